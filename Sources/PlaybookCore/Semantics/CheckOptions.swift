/// What a check pass looks at beyond the file itself.
public struct CheckOptions: Sendable {
    /// Whether every `${env.X}` must be set now (`validate --env`).
    public var checkEnvironment: Bool
    public var environment: [String: String]
    /// How much of the data files (contacts, calendars, csv sources) the checks read.
    public var dataFiles: DataFileReading
    /// Opens the contacts file: `.csv` in the core library; the CLI passes one that also reads
    /// SQLite databases.
    public var contactsOpener: ContactsOpener

    /// How much of the data files a check reads.
    public enum DataFileReading: Sendable, Equatable {
        /// Nothing, not even whether they exist: scenario tests run on observations alone.
        case none
        /// Their headers, for the columns segments and templates may name (`plan`, `run`).
        case headers
        /// The contacts file whole, every row checked (`validate`).
        case whole
    }

    public init(
        checkEnvironment: Bool = false, environment: [String: String] = [:], dataFiles: DataFileReading = .headers,
        contactsOpener: ContactsOpener = .csv
    ) {
        self.checkEnvironment = checkEnvironment
        self.environment = environment
        self.dataFiles = dataFiles
        self.contactsOpener = contactsOpener
    }
}
