import Foundation
import RapportMerge

/// Device-only memory of which replica id each database file had, and how far its clock had got
/// when its writes last left the device (a push acknowledged, a bundle exported).
///
/// A database file cannot tell by itself that it was restored from a backup or copied to another
/// device: the copy carries the same id and clock. Writing on under that id would reuse write
/// numbers that others have already seen, and hide conflicts. So the store keeps this marker
/// outside the file, where a backup or a copy of the file does not take it along (an app keeps it
/// in device-only storage, e.g. a non-synced keychain item or a file excluded from backups), and on
/// open a file whose id or clock disagrees with the marker takes a fresh replica id before its
/// first write.
///
/// `.directory(_:)` keeps one small file per database path; `.none` turns the check off.
public struct DeviceIdentity: Sendable {
    /// What the device remembers about one database file.
    public struct Marker: Codable, Hashable, Sendable {
        public var path: String
        public var replicaID: ReplicaID
        var wallMillis: Int64
        var counter: UInt32

        public init(path: String, replicaID: ReplicaID, clock: HLCTimestamp) {
            self.path = path
            self.replicaID = replicaID
            self.wallMillis = clock.wallMillis
            self.counter = clock.counter
        }

        /// The replica's clock when its writes last left the device.
        public var clock: HLCTimestamp { HLCTimestamp(wallMillis: wallMillis, counter: counter) }
    }

    public let load: @Sendable (_ path: String) -> Marker?
    public let save: @Sendable (_ marker: Marker) -> Void

    public init(load: @escaping @Sendable (String) -> Marker?, save: @escaping @Sendable (Marker) -> Void) {
        self.load = load
        self.save = save
    }

    /// No marker: a restored or copied file is only noticed at its first pull.
    public static let none = DeviceIdentity(load: { _ in nil }, save: { _ in })

    /// Markers as small JSON files in `directory`, one per database path.
    public static func directory(_ directory: URL) -> DeviceIdentity {
        @Sendable func file(_ path: String) -> URL {
            // FNV-1a of the path: a stable, filesystem-safe name.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return directory.appendingPathComponent("replica-\(String(hash, radix: 16)).json")
        }
        return DeviceIdentity(
            load: { path in
                guard let data = try? Data(contentsOf: file(path)),
                      let marker = try? JSONDecoder().decode(Marker.self, from: data), marker.path == path
                else { return nil }
                return marker
            },
            save: { marker in
                try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                guard let data = try? JSONEncoder().encode(marker) else { return }
                try? data.write(to: file(marker.path), options: .atomic)
            })
    }

    /// `$RAPPORT_STATE_DIR`, else `$XDG_STATE_HOME/rapport`, else `~/.local/state/rapport`: storage
    /// of this user on this machine, which copying or restoring a database file does not touch.
    public static var standard: DeviceIdentity {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["RAPPORT_STATE_DIR"], !explicit.isEmpty {
            return .directory(URL(fileURLWithPath: explicit))
        }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            return .directory(URL(fileURLWithPath: state).appendingPathComponent("rapport"))
        }
        // NSHomeDirectory is the user's home on Linux and macOS and the app's container on iOS,
        // where an app should rather pass its own device-only storage.
        return .directory(URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".local/state/rapport"))
    }

    /// The absolute, symlink-free form of a database path, the marker's key.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
