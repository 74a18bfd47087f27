import Foundation
@testable import RapportModel
import Testing

/// Ids derived from natural keys: the same on every device, distinct per key, readable but
/// without a person's text, and valid record ids.
struct NaturalIDTests {
    @Test func theSameKeyGivesTheSameIdOnEveryDeviceAndReadsAsTheKey() {
        #expect(Objective(key: .nps, name: "NPS", direction: .higherIsBetter, normaliser: .passthrough).id == "obj:nps")
        #expect(NaturalID.objective(.grossChurn) == "obj:grossChurn")
        #expect(RapportModel.Measurement(objectiveID: "obj:nps", period: period("2026-Q3"), value: 40).id == "m:obj:nps:2026-Q3")
        #expect(WeightSet(effectiveFrom: utc("2026-07-01"), weights: [:]).id == "weights:2026-07-01")
        #expect(NaturalID.weightSet(effectiveFrom: utc("2026-07-01T09:30:00Z").addingTimeInterval(0.25)) == "weights:2026-07-01T09:30:00.250Z")
        #expect(NaturalID.weightSet(effectiveFrom: utc("1969-12-31T23:59:59Z")) == "weights:1969-12-31T23:59:59.000Z")
    }

    @Test func differentKeysGiveDifferentIdsAndTheSameKeyAlwaysTheSameOne() {
        let periods = ["2026", "2026-Q1", "2026-01", "2026-10"].map(period)
        func measurementIDs() -> [String] {
            ["obj:nps", "obj:nps:2026", "o"].flatMap { objective in periods.map { NaturalID.measurement(objectiveID: objective, period: $0) } }
        }
        #expect(Set(measurementIDs()).count == 12 && measurementIDs() == measurementIDs())
        #expect(NaturalID.objective(.custom("nps")) != NaturalID.objective(.nps))
        #expect(NaturalID.objective(.custom("a")) != NaturalID.objective(.custom("b")))
        #expect(NaturalID.objective(.custom("a")) == NaturalID.objective(.custom("a")))
        let instant = utc("2026-07-01")
        #expect(NaturalID.weightSet(effectiveFrom: instant) != NaturalID.weightSet(effectiveFrom: instant.addingTimeInterval(0.001)))
        #expect(NaturalID.weightSet(effectiveFrom: instant) == NaturalID.weightSet(effectiveFrom: instant.addingTimeInterval(0.0001)))
    }

    @Test func aCustomObjectivesNameNeverAppearsInItsIdAndEveryIdIsAValidRecordId() {
        let custom = NaturalID.objective(.custom("Acme Corp renewal risk"))
        #expect(custom.hasPrefix("obj:custom:") && !custom.contains("Acme") && custom.count == 43)
        let long = NaturalID.measurement(objectiveID: String(repeating: "x", count: 256), period: period("2026-11"))
        #expect(long.utf8.count <= 256 && long.hasSuffix(":2026-11"))
        for id in [custom, long, NaturalID.weightSet(effectiveFrom: utc("2026-07-01T09:30:00Z"))] {
            #expect(id.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 })
        }
    }

    @Test func theHashMatchesTheSHA256StandardVectors() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
