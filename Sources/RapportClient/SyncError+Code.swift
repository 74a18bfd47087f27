import Foundation

extension SyncError {
    /// The kind of a `SyncError`.
    ///
    /// A struct wrapping a private enum rather than a public enum, so kinds can be added without
    /// breaking a caller's `switch`: compare with `==` against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case unreachable, unauthorized, forbidden, notFound, epochChanged, protocolMismatch
            case payloadTooLarge, badRequest, tooManyRequests, server, invalidResponse, cancelled, busy, schemaNotDeclared
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// No answer from the server: wrong URL, server down, no network, or a timeout.
        public static let unreachable = Code(.unreachable)
        /// 401: the token is missing, wrong or revoked.
        public static let unauthorized = Code(.unauthorized)
        /// 403: the token is valid but does not grant this workspace.
        public static let forbidden = Code(.forbidden)
        /// 404: no such workspace (or the URL does not point at a Rapport server).
        public static let notFound = Code(.notFound)
        /// 409: the server's database was replaced again while a full resync was running.
        public static let epochChanged = Code(.epochChanged)
        /// 426: the server does not speak this client's protocol version.
        public static let protocolMismatch = Code(.protocolMismatch)
        /// 413 for a request the client could not make smaller.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// 400, 405 or 422: the server refused the request's shape; a client bug or a version skew.
        public static let badRequest = Code(.badRequest)
        /// 429 after every retry.
        public static let tooManyRequests = Code(.tooManyRequests)
        /// 5xx after every retry, or a 5xx that is not worth retrying.
        public static let server = Code(.server)
        /// An answer that is not what the protocol promises (not JSON, wrong shape, no progress).
        public static let invalidResponse = Code(.invalidResponse)
        /// The task running the sync was cancelled.
        public static let cancelled = Code(.cancelled)
        /// Another sync of the same replica (in this process or another) kept running past
        /// `SyncOptions.lockTimeout`.
        public static let busy = Code(.busy)
        /// The store's schema has fields or entities the workspace does not declare yet: nothing
        /// was pushed (the server would refuse those records), the pull ran. Sync again once an
        /// operator declared them (`rapport server schema add-field`).
        public static let schemaNotDeclared = Code(.schemaNotDeclared)

        public var description: String { kind.rawValue }
    }
}
