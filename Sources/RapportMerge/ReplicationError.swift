import Foundation

/// An error from the replication algebra: a malformed identifier, stamp or version, or a remote
/// clock too far ahead of this device.
///
/// `code` is extensible (a struct wrapping a private enum), so new codes never break a `switch`
/// in callers; compare with `==` against the static members. `message` says what was wrong and
/// what to do, and never contains field values.
public struct ReplicationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidReplicaID, invalidStamp, invalidVersion, clockDrift, mismatchedRecords
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A replica id that is not 16 lowercase hexadecimal characters.
        public static let invalidReplicaID = Code(.invalidReplicaID)
        /// A stamp string that is not `wallMillis:counter:replica`.
        public static let invalidStamp = Code(.invalidStamp)
        /// A record version whose parts contradict each other (for example a dot its clock has not seen).
        public static let invalidVersion = Code(.invalidVersion)
        /// A remote stamp further ahead of local wall time than the allowed drift.
        public static let clockDrift = Code(.clockDrift)
        /// Two versions of different records were asked to merge.
        public static let mismatchedRecords = Code(.mismatchedRecords)

        public var description: String { wrapped.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
