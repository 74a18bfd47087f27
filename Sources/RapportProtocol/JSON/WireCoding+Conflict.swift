import Foundation
import RapportMerge

extension WireCoding {
    /// A settled conflict as the server stores it and splices it into pages.
    ///
    /// Conflicts are rare beside record versions (one per concurrent edit of one field), so they
    /// keep their `Codable` form; they go through here so the sync path has one owner of its bytes.
    public static func encode(_ conflict: Conflict) throws(ProtocolError) -> [UInt8] {
        do { return Array(try encoder().encode(conflict)) } catch {
            throw ProtocolError(.unprocessable, "a conflict on \(conflict.entity.prefix(64)) could not be encoded")
        }
    }

    /// A stored conflict read back; nil when the bytes are not one.
    public static func decodeConflict(_ bytes: some ContiguousBytes) -> Conflict? {
        bytes.withUnsafeBytes { try? decoder().decode(Conflict.self, from: Data($0)) }
    }
}
