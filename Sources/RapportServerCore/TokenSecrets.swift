import Crypto
import RapportStore

/// Making, hashing and checking bearer-token secrets.
///
/// A secret reads `rpt_<id>_<64 hex digits>`: the id (16 hex digits) lets the server find the
/// token without scanning, the 256 random bits (from `SystemRandomNumberGenerator`) are the actual
/// secret. The server stores only the SHA-256 of the whole secret, so a leaked database grants
/// nothing, and compares hashes in constant time, so response timing does not reveal how much of a
/// guess was right. Show a secret once, when it is created; never log it.
public enum TokenSecrets {
    public static let prefix = "rpt_"

    /// A fresh token id and the secret that embeds it.
    public static func generate() -> (id: String, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let id = hex(generator.next() as UInt64)
        let secret = (0..<4).map { _ in hex(generator.next() as UInt64) }.joined()
        return (id, "\(prefix)\(id)_\(secret)")
    }

    /// Lowercase hex of the SHA-256 of the whole secret: what the server stores.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// The token id inside a well-formed secret, or nil when `secret` cannot be one of ours.
    public static func parse(_ secret: String) -> String? {
        guard secret.hasPrefix(prefix) else { return nil }
        let parts = secret.dropFirst(prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, ServerStore.isValidTokenID(String(parts[0])),
              parts[1].utf8.count == 64, parts[1].utf8.allSatisfy(isLowercaseHex)
        else { return nil }
        return String(parts[0])
    }

    /// Whether `secret` hashes to `storedHash`, taking the same time wherever the hashes differ.
    public static func matches(_ secret: String, storedHash: String) -> Bool {
        let presented = Array(hash(secret).utf8)
        let stored = Array(storedHash.utf8)
        // Both are 64 hex digits for any token we issued; a length difference reveals nothing secret.
        guard presented.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in presented.indices { difference |= presented[index] ^ stored[index] }
        return difference == 0
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102)
    }
}
