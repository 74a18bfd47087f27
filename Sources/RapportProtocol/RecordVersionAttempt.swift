import Foundation
import RapportMerge

/// The outcome of decoding one array element as a `RecordVersion`, as a value instead of a throw.
struct RecordVersionAttempt: Decodable {
    /// Why an element is not a record version.
    struct Reason: Error {
        let text: String
    }

    let outcome: Result<RecordVersion, Reason>

    init(from decoder: any Decoder) throws {
        do {
            outcome = .success(try RecordVersion(from: decoder))
        } catch let error as DecodingError {
            outcome = .failure(Reason(text: error.summary(below: decoder.codingPath)))
        } catch {
            // Foundation throws its internal JSON error, without a path, for a number the target
            // type cannot hold; its text quotes the number, so only the case name is looked at.
            let isNumber = String(describing: error).hasPrefix("numberIsNotRepresentable")
            outcome = .failure(Reason(text: isNumber ? DecodingError.outOfRangeNumber : "not a record version"))
        }
    }
}
