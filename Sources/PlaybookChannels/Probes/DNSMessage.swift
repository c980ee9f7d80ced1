/// The few bytes of RFC 1035 a resolution check needs: a query for a name's A records with
/// recursion desired, and the header of the answer (its id, response code, answer count).
enum DNSMessage {
    /// Response codes (RFC 1035 §4.1.1, RFC 6895).
    static func rcodeName(_ code: Int) -> String {
        switch code {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        default: return "RCODE \(code)"
        }
    }

    struct Problem: Error, Equatable {
        var reason: String
    }

    /// A query for `name`'s A records (type 1, class IN), recursion desired.
    static func query(id: UInt16, name: String) throws(Problem) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty else { throw Problem(reason: "an empty name") }
        var total = 1
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            let utf8 = Array(label.utf8)
            guard !utf8.isEmpty, utf8.count <= 63, utf8.allSatisfy({ $0 < 0x80 }) else {
                throw Problem(reason: "'\(name)' is not a DNS name (labels of 1 to 63 ASCII characters; write internationalised names in their xn-- form)")
            }
            bytes.append(UInt8(utf8.count))
            bytes += utf8
            total += utf8.count + 1
        }
        guard total <= 255 else { throw Problem(reason: "'\(name)' is longer than 255 bytes") }
        bytes += [0, 0, 1, 0, 1]
        return bytes
    }

    struct Header: Equatable {
        var id: UInt16
        var isResponse: Bool
        var truncated: Bool
        var rcode: Int
        var answers: Int
    }

    static func header(_ bytes: [UInt8]) -> Header? {
        guard bytes.count >= 12 else { return nil }
        return Header(
            id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), isResponse: bytes[2] & 0x80 != 0, truncated: bytes[2] & 0x02 != 0,
            rcode: Int(bytes[3] & 0x0F), answers: Int(bytes[6]) << 8 | Int(bytes[7]))
    }
}
