/// Opens a journal with `open`, runs `body` with it, and closes it when `body` ends, on every
/// path: a return, a throw, an exit code thrown halfway through a command.
///
/// A journal holds connections (PostgreSQL: a pool and a task running it) that must not be left
/// to process exit: a runner that stops without closing keeps its server connections until the
/// server notices. When `open` fails there is nothing to close, and its error is thrown as is.
public func withJournal<T: Sendable>(
    _ open: () async throws -> any Journal, _ body: (any Journal) async throws -> T
) async throws -> T {
    let journal = try await open()
    let result: T
    do {
        result = try await body(journal)
    } catch {
        await journal.close()
        throw error
    }
    await journal.close()
    return result
}
