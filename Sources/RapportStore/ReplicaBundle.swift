import Foundation
import RapportMerge

/// A file of record versions carried between replicas without a server (`rapport export`/`import`).
///
/// On disk: `{"format": "rapport-bundle", "formatVersion": 1, "replica", "name", "nextSince",
/// "versions"}`, every key required. Read one with `init(reading:)`, which refuses anything else,
/// then merge `versions` with `Store.apply(_:)`: that checks each version like a pulled one, clock
/// drift included, so a bundle needs no more trust than a server.
public struct ReplicaBundle: Codable, Sendable, Hashable {
    /// Why bytes are not a bundle this build can import.
    public enum ReadError: Error, Hashable, Sendable {
        /// Not JSON of a bundle's shape (or not JSON at all).
        case notABundle
        /// Shaped like a bundle, but of another format or format version.
        case unsupported(format: String, formatVersion: Int)
    }

    public static let format = "rapport-bundle"
    /// The only `formatVersion` this build reads and the one it writes.
    public static let supportedFormatVersion = 1

    public var format: String
    public var formatVersion: Int
    /// The exporting replica's id, as text (for the import message only).
    public var replica: String
    public var name: String
    /// Pass to `export --since` next time to export only later changes.
    public var nextSince: Int64
    public var versions: [RecordVersion]

    public init(replica: String, name: String, nextSince: Int64, versions: [RecordVersion]) {
        self.format = Self.format
        self.formatVersion = Self.supportedFormatVersion
        self.replica = replica
        self.name = name
        self.nextSince = nextSince
        self.versions = versions
    }

    /// Decodes a bundle written by `rapport export`, refusing other formats and format versions.
    public init(reading data: Data) throws(ReadError) {
        let bundle: ReplicaBundle
        do { bundle = try JSONDecoder().decode(ReplicaBundle.self, from: data) } catch { throw .notABundle }
        guard bundle.format == Self.format, bundle.formatVersion == Self.supportedFormatVersion else {
            throw .unsupported(format: bundle.format, formatVersion: bundle.formatVersion)
        }
        self = bundle
    }
}
