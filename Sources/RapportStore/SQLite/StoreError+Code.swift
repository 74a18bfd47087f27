extension StoreError {
    /// The kind of a `StoreError`.
    ///
    /// A struct rather than an enum so new codes can be added without breaking callers' switches;
    /// compare with `==` against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case sqlite
            case fileNotFound
            case notADatabase
            case notARapportDatabase
            case corruptDatabase
            case newerSchema
            case readOnly
            case busy
            case constraint
            case invalidData
            case notFound
            case conflict
            case invalidArgument
            case historyChanged
            case database
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// SQLite failed for a reason without a more specific code.
        public static let sqlite = Code(.sqlite)
        /// The database file does not exist and creating it was not requested.
        public static let fileNotFound = Code(.fileNotFound)
        /// The file is not an SQLite database at all.
        public static let notADatabase = Code(.notADatabase)
        /// The file is a valid SQLite database that Rapport did not create.
        public static let notARapportDatabase = Code(.notARapportDatabase)
        /// SQLite found the file damaged.
        public static let corruptDatabase = Code(.corruptDatabase)
        /// The file was written by a newer Rapport whose schema this build does not know.
        public static let newerSchema = Code(.newerSchema)
        /// The file or its directory cannot be written.
        public static let readOnly = Code(.readOnly)
        /// Another connection held a lock for longer than the busy timeout.
        public static let busy = Code(.busy)
        /// A UNIQUE, FOREIGN KEY, CHECK or NOT NULL constraint refused a write.
        public static let constraint = Code(.constraint)
        /// Stored or supplied data cannot be decoded into the expected value.
        public static let invalidData = Code(.invalidData)
        /// The requested record does not exist.
        public static let notFound = Code(.notFound)
        /// The write conflicts with the stored state.
        public static let conflict = Code(.conflict)
        /// The caller passed something the store cannot act on.
        public static let invalidArgument = Code(.invalidArgument)
        /// A feed position from another history of the server database: another epoch, past the
        /// end, or a sequence another commit wrote (the file was replaced or restored).
        public static let historyChanged = Code(.historyChanged)
        /// A database server (PostgreSQL) refused a statement for a reason without a more specific code.
        public static let database = Code(.database)

        public var description: String {
            switch value {
            case .sqlite: "sqlite"
            case .fileNotFound: "fileNotFound"
            case .notADatabase: "notADatabase"
            case .notARapportDatabase: "notARapportDatabase"
            case .corruptDatabase: "corruptDatabase"
            case .newerSchema: "newerSchema"
            case .readOnly: "readOnly"
            case .busy: "busy"
            case .constraint: "constraint"
            case .invalidData: "invalidData"
            case .notFound: "notFound"
            case .conflict: "conflict"
            case .invalidArgument: "invalidArgument"
            case .historyChanged: "historyChanged"
            case .database: "database"
            }
        }
    }
}
