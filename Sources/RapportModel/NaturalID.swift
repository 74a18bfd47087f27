import Foundation

/// Record ids derived from a record's natural key, the same on every device.
///
/// Some records describe something that exists at most once: an objective per key, a measurement
/// per objective and period, a weight set per effective instant. If each device gave such a
/// record a random id, two devices recording "the same" thing offline would make two records, and
/// the scorecard could not choose. With an id derived from the key, they write the same record and
/// sync turns the disagreement into an ordinary per-field conflict in the journal.
///
/// The ids are readable, since they contain only an id, a period or a date:
/// `obj:nps`, `obj:grossChurn`, `m:obj:nps:2026-Q3`, `weights:2026-07-01` (a set effective at any
/// other instant than UTC midnight: `weights:2026-07-01T09:30:00.000Z`). A custom objective's name
/// is chosen by a person and may name a customer, so it is hashed: `obj:custom:<32 hex of SHA-256>`.
/// Every id is printable ASCII (a measurement's is as printable as its objective's id) and at most
/// 256 bytes: a measurement of an objective with a very long id uses `m:sha256:<64 hex>:PERIOD`.
/// The scheme is part of the storage and wire contract: changing it would split records again.
public enum NaturalID {
    /// The id of the objective with `key`.
    public static func objective(_ key: ObjectiveKey) -> String {
        switch key {
        case .custom(let name): "obj:custom:" + String(SHA256.hex(name).prefix(32))
        default: "obj:" + key.rawValue
        }
    }

    /// The id of the measurement of `objectiveID` in `period`.
    public static func measurement(objectiveID: String, period: Period) -> String {
        let readable = "m:" + objectiveID + ":" + period.description
        // Periods contain no colon, so the last one separates the parts: distinct keys, distinct ids.
        return readable.utf8.count <= maxBytes ? readable : "m:sha256:" + SHA256.hex(objectiveID) + ":" + period.description
    }

    /// The id of the weight set taking effect at `effectiveFrom`, to the millisecond (the stored precision).
    public static func weightSet(effectiveFrom: Date) -> String {
        let millis = Int64((effectiveFrom.timeIntervalSince1970 * 1000).rounded())
        let dayMillis: Int64 = 86_400_000
        let days = millis >= 0 ? millis / dayMillis : -((-millis + dayMillis - 1) / dayMillis)
        let rest = millis - days * dayMillis
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
        let date = String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
        guard rest != 0 else { return "weights:" + date }
        let time = String(format: "T%02d:%02d:%02d.%03dZ", Int(rest / 3_600_000), Int(rest / 60_000 % 60), Int(rest / 1000 % 60), Int(rest % 1000))
        return "weights:" + date + time
    }

    /// The longest id replicas accept, in UTF-8 bytes.
    static let maxBytes = 256
}
