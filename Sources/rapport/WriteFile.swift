import Foundation

/// Writes `data` to `path` atomically; a failure says which path and what to check, not a Cocoa error dump.
func writeFile(_ data: Data, to path: String) throws {
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw CLIError("cannot write \(path): check that its folder exists and that you may write there")
    }
}

/// Creates the directory `path` (and its parents) unless it exists.
func makeDirectory(_ path: String) throws {
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
        throw CLIError("cannot create the folder \(path): check the path and that you may write there")
    }
}
