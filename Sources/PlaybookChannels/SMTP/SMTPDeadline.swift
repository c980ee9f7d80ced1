import NIOCore

/// The moment the delivery being sent must be done by: its start plus the step's `timeout`.
/// Set by `SMTPChannel.send` for the whole delivery, read by every connect and command it makes,
/// so that the step's timeout bounds the delivery as a whole, with no other deadline before it.
enum SMTPDeadline {
    @TaskLocal static var current: NIODeadline?
}
