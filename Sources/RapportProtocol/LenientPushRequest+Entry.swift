import Foundation
import RapportMerge

extension LenientPushRequest {
    /// One element of a push batch: a decoded version, or why the element at `index` is not one.
    ///
    /// `reason` names what was wrong and where (`"fields.trust.stamp: stamp must look like …"`),
    /// never the values sent, so it is safe to log and to return as a rejection message.
    public enum Entry: Sendable, Hashable {
        case valid(RecordVersion)
        case invalid(index: Int, reason: String)
    }
}
