import CFuzzerDriver
import Foundation

/// Starts libFuzzer on the harness named by `RAPPORT_FUZZ_TARGET`.
///
/// SwiftPM links an executable's entry point over `main`, which would hide the `main` that
/// `-sanitize=fuzzer` brings, so this one hands libFuzzer its arguments through
/// `LLVMFuzzerRunDriver` instead. Build and run it with `scripts/fuzz.sh`.
@main
enum Driver {
    static func main() {
        guard let harness = Harness.selected else {
            let names = Harness.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("set RAPPORT_FUZZ_TARGET to one of: \(names) (scripts/fuzz.sh does)\n".utf8))
            exit(2)
        }
        harness.prepare()
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            LLVMFuzzerTestOneInput(data, size)
        })
    }
}

/// One input: any thrown error is a normal answer to bad input, so only a crash, a trap, a
/// sanitizer report, a leak or a timeout is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    Harness.selected?.run(data)
    return 0
}
