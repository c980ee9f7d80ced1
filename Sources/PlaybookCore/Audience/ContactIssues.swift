/// One problem in a contacts file, at its line and column (for a database: the row's position and
/// the column's). Messages quote at most the offending field, through `DataFileExcerpt`.
public struct ContactIssue: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The row cannot be parsed (a quote never closed, a field or row too long, more fields
        /// than the header): skipped.
        case unreadableRow = "unreadable_row"
        /// No id: skipped (a delivery is keyed by it).
        case noID = "no_id"
        /// A consent value outside the accepted ones: no consent for that channel.
        case unreadableConsent = "unreadable_consent"
        /// These make only their field unusable: the contact is reached on its other channels.
        case invalidEmail = "invalid_email"
        case invalidPhone = "invalid_phone"
        case unknownTimezone = "unknown_timezone"

        /// Whether `validate` reports it as an error (the rest are warnings).
        public var isError: Bool {
            switch self {
            case .unreadableRow, .noID, .unreadableConsent: return true
            case .invalidEmail, .invalidPhone, .unknownTimezone: return false
            }
        }

        /// Whether the row is dropped.
        public var skipsRow: Bool { self == .unreadableRow || self == .noID }

        /// "2 rows skipped as unreadable", for one-line summaries.
        func counted(_ count: Int) -> String {
            let s = count == 1 ? "" : "s"
            switch self {
            case .unreadableRow: return "\(count) unreadable row\(s) skipped"
            case .noID: return "\(count) row\(s) without an id skipped"
            case .unreadableConsent: return "\(count) unreadable consent value\(s) read as no consent"
            case .invalidEmail: return "\(count) invalid email\(s) not used"
            case .invalidPhone: return "\(count) invalid phone number\(s) not used"
            case .unknownTimezone: return "\(count) unknown timezone\(s) replaced by the playbook's"
            }
        }
    }

    public var kind: Kind
    public var line: Int
    public var column: Int
    public var message: String

    public init(kind: Kind, line: Int, column: Int, message: String) {
        self.kind = kind
        self.line = line
        self.column = column
        self.message = message
    }
}

/// The problems found while reading a contacts file: the first few of each severity with their
/// position, and how many of each kind. Nothing is allocated for a file without problems.
public struct ContactIssues: Sendable, Equatable {
    /// How many errors (and, separately, warnings) are kept with their position; the rest are
    /// only counted.
    public static let kept = 20

    public private(set) var errors: [ContactIssue] = []
    public private(set) var warnings: [ContactIssue] = []
    public private(set) var errorCount = 0
    public private(set) var warningCount = 0
    public private(set) var counts: [ContactIssue.Kind: Int] = [:]

    public init() {}

    public mutating func record(_ issue: ContactIssue) {
        counts[issue.kind, default: 0] += 1
        if issue.kind.isError {
            errorCount += 1
            if errors.count < Self.kept { errors.append(issue) }
        } else {
            warningCount += 1
            if warnings.count < Self.kept { warnings.append(issue) }
        }
    }

    public var isEmpty: Bool { counts.isEmpty }

    /// Rows dropped (unreadable or without an id).
    public var skippedRows: Int { (counts[.unreadableRow] ?? 0) + (counts[.noID] ?? 0) }

    public func count(_ kind: ContactIssue.Kind) -> Int { counts[kind] ?? 0 }

    /// "1 unreadable row skipped; 2 unreadable consent values read as no consent", or "" when
    /// there were none: for the journal and logs.
    public var summary: String {
        ContactIssue.Kind.allCases.compactMap { kind in counts[kind].map { kind.counted($0) } }.joined(separator: "; ")
    }
}

extension ContactIssues {
    /// The issues as diagnostics at `file`: the first 20 errors, then one with how many more;
    /// the same for warnings. `plan` reports errors as warnings (it reads past them: an
    /// unreadable consent value is no consent there).
    public func diagnostics(file: String, errorsAsWarnings: Bool = false) -> [Diagnostic] {
        func located(_ issue: ContactIssue, _ severity: Diagnostic.Severity) -> Diagnostic {
            Diagnostic(severity, issue.message, at: SourceLocation(file: file, line: issue.line, column: issue.column))
        }
        var out: [Diagnostic] = []
        let errorSeverity: Diagnostic.Severity = errorsAsWarnings ? .warning : .error
        out += errors.map { located($0, errorSeverity) }
        if errorCount > errors.count, let last = errors.last {
            let more = errorCount - errors.count
            out.append(
                Diagnostic(
                    errorSeverity, "\(more) more error\(more == 1 ? "" : "s") in this contacts file after this line",
                    at: SourceLocation(file: file, line: last.line, column: last.column + 1)))
        }
        out += warnings.map { located($0, .warning) }
        if warningCount > warnings.count, let last = warnings.last {
            let more = warningCount - warnings.count
            out.append(
                .warning(
                    "\(more) more warning\(more == 1 ? "" : "s") in this contacts file after this line",
                    at: SourceLocation(file: file, line: last.line, column: last.column + 1)))
        }
        return out
    }
}
