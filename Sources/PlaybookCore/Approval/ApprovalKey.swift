import Crypto

/// The secret that signs approval links: kept in the state, never printed.
///
/// Whoever holds it can forge a link that decides any approval, so it is at least 256 bits of
/// randomness, and its descriptions say only that it is redacted.
public struct ApprovalKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The bytes, not a `SymmetricKey`, which is not `Sendable`; the key is built for each signature.
    private let secret: [UInt8]

    var key: SymmetricKey { SymmetricKey(data: secret) }

    /// 32 bytes: HMAC-SHA256's block of security, below which brute force gets cheaper.
    public static let minimumByteCount = 32

    /// Why bytes cannot be a key.
    public struct TooShort: Error, CustomStringConvertible {
        public var byteCount: Int
        public var description: String {
            "an approval key needs at least \(ApprovalKey.minimumByteCount) bytes, found \(byteCount)"
        }
    }

    /// A key from stored bytes.
    public init(bytes: [UInt8]) throws(TooShort) {
        guard bytes.count >= Self.minimumByteCount else { throw TooShort(byteCount: bytes.count) }
        secret = bytes
    }

    /// A new random key of 256 bits.
    public static func generate() -> ApprovalKey {
        ApprovalKey(secret: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The key's bytes, for the caller to keep in its state. A secret.
    public var bytes: [UInt8] { secret }

    public var description: String { "ApprovalKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [Mirror.Child](), displayStyle: .struct) }
}
