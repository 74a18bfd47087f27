import Testing
import RapportModel

struct ObjectiveKeyTests {
    @Test("Every key round-trips through its string form", arguments: [
        (ObjectiveKey.grossChurn, "grossChurn"), (.netChurn, "netChurn"), (.revenue, "revenue"),
        (.customerROI, "customerROI"), (.nps, "nps"), (.csat, "csat"), (.renewalRate, "renewalRate"),
        (.custom("timeToValue"), "custom:timeToValue"), (.custom("nps"), "custom:nps"),
        (.custom("a:b"), "custom:a:b"),
    ])
    func roundTrips(key: ObjectiveKey, text: String) {
        #expect(key.rawValue == text)
        #expect(ObjectiveKey(rawValue: text) == key)
    }

    @Test("Unknown names and empty custom names are refused", arguments: ["", "GrossChurn", "churn", "custom:", "custom"])
    func refusesUnknown(text: String) {
        #expect(ObjectiveKey(rawValue: text) == nil)
    }
}
