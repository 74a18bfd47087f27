import Foundation
import Testing
@testable import RapportMerge

@Suite("Wire format of replication values")
struct WireFormatTests {
    @Test("stamps print and parse as wallMillis:counter:replica, and bad ones are refused")
    func stampText() throws {
        let stamp = Fixture.stamp(1_764_000_000_000, 3, Fixture.phone)
        #expect(stamp.description == "1764000000000:3:00000000000000a1")
        #expect(try Stamp(stamp.description) == stamp)
        for bad in ["", "1:2", "x:0:00000000000000a1", "1:-1:00000000000000a1", "1:0:00000000000000A1", "1:0:short", "99999999999999999:0:00000000000000a1", "1:0:00000000000000a1:9"] {
            #expect(throws: ReplicationError.self, "\(bad)") { try Stamp(bad) }
        }
    }

    @Test("stamps order by clock reading, then replica")
    func stampOrder() {
        #expect(Fixture.stamp(1, 0, Fixture.laptop) < Fixture.stamp(2, 0, Fixture.phone))
        #expect(Fixture.stamp(1, 0, Fixture.laptop) < Fixture.stamp(1, 1, Fixture.phone))
        #expect(Fixture.stamp(1, 0, Fixture.phone) < Fixture.stamp(1, 0, Fixture.laptop))
    }

    @Test("a record version encodes with the documented field names and round-trips")
    func recordVersionJSON() throws {
        let version = RecordVersion.create(entity: "account", id: "acme", fields: ["name": .string("Acme"), "arr": .number(120_000), "renewal": .null, "vip": .bool(true)],
                                           stamp: Fixture.stamp(1_764_000_000_000, 0, Fixture.phone))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(version), as: UTF8.self)
        #expect(json.contains(#""clock":{"00000000000000a1":1}"#))
        #expect(json.contains(#""deleted":{"dot":1,"stamp":"1764000000000:0:00000000000000a1","value":false}"#))
        #expect(json.contains(#""name":{"dot":1,"stamp":"1764000000000:0:00000000000000a1","value":"Acme"}"#))
        #expect(json.contains(#""entity":"account""#) && json.contains(#""id":"acme""#))
        #expect(try JSONDecoder().decode(RecordVersion.self, from: Data(json.utf8)) == version)
    }

    @Test("field values round-trip as plain JSON and refuse objects")
    func fieldValues() throws {
        for value in [FieldValue.null, .bool(false), .number(42), .number(-0.5), .string("naïve \"quoted\"")] {
            let data = try JSONEncoder().encode([value])
            #expect(try JSONDecoder().decode([FieldValue].self, from: data) == [value])
        }
        #expect(FieldValue.of(-0.0) == .number(0))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([FieldValue].self, from: Data(#"[{"a":1}]"#.utf8)) }
    }

    @Test("replica ids are 16 lowercase hex characters; random ones are valid and distinct")
    func replicaIDs() throws {
        var seen = Set<ReplicaID>()
        for _ in 0..<100 {
            let id = ReplicaID.random()
            #expect(try ReplicaID(id.rawValue) == id)
            seen.insert(id)
        }
        #expect(seen.count == 100)
        #expect(throws: ReplicationError.self) { try ReplicaID("'; DROP TABLE x;") }
    }
}
