import Foundation
import RapportMerge

/// The server's answers as a client reads them: like their `Codable` forms, unknown keys ignored,
/// an absent or `null` optional read as nil, the first of duplicated keys winning.
extension JSONReader {
    mutating func readPushResponse() throws(JSONFailure) -> PushResponse {
        var protocolVersion: Int?, results: [PushResult]?, cursor: SyncCursor?
        try readMembers(at: "") { reader, key throws(JSONFailure) in
            if key.equals("protocolVersion", in: reader.bytes), protocolVersion == nil {
                protocolVersion = try reader.readIntValue(at: "protocolVersion")
            } else if key.equals("results", in: reader.bytes), results == nil {
                var list: [PushResult] = []
                try reader.readElements(at: "results") { reader throws(JSONFailure) in list.append(try reader.readPushResult()) }
                results = list
            } else if key.equals("cursor", in: reader.bytes), cursor == nil {
                cursor = try reader.readCursor(at: "cursor")
            } else {
                try reader.skipValue()
            }
        }
        guard let protocolVersion else { throw .shape("missing 'protocolVersion'") }
        guard let results else { throw .shape("missing 'results'") }
        guard let cursor else { throw .shape("missing 'cursor'") }
        return PushResponse(protocolVersion: protocolVersion, results: results, cursor: cursor)
    }

    private mutating func readPushResult() throws(JSONFailure) -> PushResult {
        var index: Int?, status: PushResult.Status?
        var entity: String?, id: String?, sequence: Int64?, conflicts: Int?, reason: String?, message: String?
        var seen = Set<String>()
        try readMembers(at: "results") { reader, key throws(JSONFailure) in
            let name = try key.string(in: reader.bytes)
            guard seen.insert(name).inserted else { try reader.skipValue(); return }
            let isNull = try reader.peekKind() == .null
            switch name {
            case "index": index = try reader.readIntValue(at: "index")
            case "status":
                let text = try reader.readStringValue(at: "status")
                guard let known = PushResult.Status(rawValue: text) else { throw .shape("status is not one of accepted, stale, merged, rejected") }
                status = known
            case _ where isNull: try reader.readNull()
            case "entity": entity = try reader.readStringValue(at: "entity")
            case "id": id = try reader.readStringValue(at: "id")
            case "sequence": sequence = try reader.readInt64Value(at: "sequence")
            case "conflicts": conflicts = try reader.readIntValue(at: "conflicts")
            case "reason": reason = try reader.readStringValue(at: "reason")
            case "message": message = try reader.readStringValue(at: "message")
            default: try reader.skipValue()
            }
        }
        guard let index else { throw .shape("missing 'index'") }
        guard let status else { throw .shape("missing 'status'") }
        return PushResult(index: index, entity: entity, id: id, status: status, sequence: sequence,
                          conflicts: conflicts, reason: reason, message: message)
    }

    mutating func readChangesResponse() throws(JSONFailure) -> ChangesResponse {
        var protocolVersion: Int?, epoch: String?, changes: [Change]?, nextCursor: SyncCursor?, hasMore: Bool?
        try readMembers(at: "") { reader, key throws(JSONFailure) in
            if key.equals("protocolVersion", in: reader.bytes), protocolVersion == nil {
                protocolVersion = try reader.readIntValue(at: "protocolVersion")
            } else if key.equals("epoch", in: reader.bytes), epoch == nil {
                epoch = try reader.readStringValue(at: "epoch")
            } else if key.equals("changes", in: reader.bytes), changes == nil {
                var list: [Change] = []
                try reader.readElements(at: "changes") { reader throws(JSONFailure) in list.append(try reader.readChange()) }
                changes = list
            } else if key.equals("nextCursor", in: reader.bytes), nextCursor == nil {
                nextCursor = try reader.readCursor(at: "nextCursor")
            } else if key.equals("hasMore", in: reader.bytes), hasMore == nil {
                hasMore = try reader.readBoolValue(at: "hasMore")
            } else {
                try reader.skipValue()
            }
        }
        guard let protocolVersion else { throw .shape("missing 'protocolVersion'") }
        guard let epoch else { throw .shape("missing 'epoch'") }
        guard let changes else { throw .shape("missing 'changes'") }
        guard let nextCursor else { throw .shape("missing 'nextCursor'") }
        guard let hasMore else { throw .shape("missing 'hasMore'") }
        return ChangesResponse(protocolVersion: protocolVersion, epoch: epoch, changes: changes, nextCursor: nextCursor, hasMore: hasMore)
    }

    private mutating func readChange() throws(JSONFailure) -> Change {
        var sequence: Int64?, version: RecordVersion?, conflicts: [Conflict]?, seenConflicts = false
        try readMembers(at: "changes") { reader, key throws(JSONFailure) in
            if key.equals("sequence", in: reader.bytes), sequence == nil {
                sequence = try reader.readInt64Value(at: "sequence")
            } else if key.equals("version", in: reader.bytes), version == nil {
                version = try reader.readVersion(strict: false)
            } else if key.equals("conflicts", in: reader.bytes), !seenConflicts {
                seenConflicts = true
                conflicts = try reader.readConflicts()
            } else {
                try reader.skipValue()
            }
        }
        guard let sequence else { throw .shape("missing 'sequence'", at: "changes") }
        guard let version else { throw .shape("missing 'version'", at: "changes") }
        return Change(sequence: sequence, version: version, conflicts: conflicts)
    }

    /// Conflicts are rare on a page, so their bytes go through their `Codable` form.
    private mutating func readConflicts() throws(JSONFailure) -> [Conflict]? {
        if try peekKind() == .null {
            try readNull()
            return nil
        }
        let start = at
        try skipValue()
        let slice = Data(UnsafeBufferPointer(rebasing: bytes[start..<at]))
        do {
            return try JSONDecoder().decode([Conflict].self, from: slice)
        } catch {
            throw .shape("conflicts are not a list of conflicts", at: "changes")
        }
    }

    private mutating func readCursor(at path: String) throws(JSONFailure) -> SyncCursor {
        let text = try readStringValue(at: path)
        do { return try SyncCursor(text) } catch { throw .shape(error.message, at: path) }
    }

    /// Calls `member` once per key of the object at the cursor, with the cursor at its value.
    mutating func readMembers(at path: String, _ member: (inout JSONReader, JSONText) throws(JSONFailure) -> Void) throws(JSONFailure) {
        let kind = try peekKind()
        guard kind == .object else { throw mismatch(kind, expected: "an object", at: path) }
        guard try beginObject() else { return }
        repeat {
            let key = try readKey()
            try member(&self, key)
        } while try nextMember()
    }

    /// Calls `element` once per element of the array at the cursor.
    mutating func readElements(at path: String, _ element: (inout JSONReader) throws(JSONFailure) -> Void) throws(JSONFailure) {
        let kind = try peekKind()
        guard kind == .array else { throw mismatch(kind, expected: "an array", at: path) }
        guard try beginArray() else { return }
        repeat {
            try element(&self)
        } while try nextElement()
    }
}
