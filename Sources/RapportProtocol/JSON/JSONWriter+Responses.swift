import RapportMerge

extension JSONWriter {
    /// A `PushResponse` as its `Codable` form writes it (absent optionals left out).
    mutating func pushResponse(_ response: PushResponse) {
        raw("{\"protocolVersion\":")
        integer(response.protocolVersion)
        raw(",\"results\":[")
        for (position, result) in response.results.enumerated() {
            if position > 0 { byte(UInt8(ascii: ",")) }
            raw("{\"index\":")
            integer(result.index)
            if let entity = result.entity { raw(",\"entity\":"); string(entity) }
            if let id = result.id { raw(",\"id\":"); string(id) }
            raw(",\"status\":")
            string(result.status.rawValue)
            if let sequence = result.sequence { raw(",\"sequence\":"); integer(sequence) }
            if let conflicts = result.conflicts { raw(",\"conflicts\":"); integer(conflicts) }
            if let reason = result.reason { raw(",\"reason\":"); string(reason) }
            if let message = result.message { raw(",\"message\":"); string(message) }
            byte(UInt8(ascii: "}"))
        }
        raw("],\"cursor\":")
        string(response.cursor.description)
        byte(UInt8(ascii: "}"))
    }
}

/// A `ChangesResponse` written around stored version JSON, which is spliced in as it is: decoding
/// and re-encoding every version would make the pull path several times slower.
///
/// The stored bytes must be versions this codec (or the `Codable` form) wrote; conflicts are
/// stored `Conflict` JSON. Append the changes in sequence order, then `finish`.
public struct ChangePageWriter: Sendable {
    private var writer: JSONWriter
    private var count = 0

    public init(epoch: String, capacity: Int = 4096) {
        writer = JSONWriter(capacity: capacity + 160)
        writer.raw("{\"protocolVersion\":")
        writer.integer(ProtocolVersion.current)
        writer.raw(",\"epoch\":")
        writer.string(epoch)
        writer.raw(",\"changes\":[")
    }

    /// One change: its sequence, the stored version's JSON and the stored JSON of its conflicts.
    public mutating func append(sequence: Int64, version: some Collection<UInt8>, conflicts: [String] = []) {
        writer.raw(count == 0 ? "{\"sequence\":" : ",{\"sequence\":")
        count += 1
        writer.integer(sequence)
        writer.raw(",\"version\":")
        writer.raw(version)
        if !conflicts.isEmpty {
            writer.raw(",\"conflicts\":[")
            for (position, conflict) in conflicts.enumerated() {
                if position > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.raw(conflict.utf8)
            }
            writer.byte(UInt8(ascii: "]"))
        }
        writer.byte(UInt8(ascii: "}"))
    }

    /// The finished page.
    public consuming func finish(nextCursor: SyncCursor, hasMore: Bool) -> [UInt8] {
        writer.raw("],\"nextCursor\":")
        writer.string(nextCursor.description)
        writer.raw(",\"hasMore\":")
        writer.bool(hasMore)
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }
}
