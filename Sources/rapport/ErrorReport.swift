import ArgumentParser
import Foundation

/// How `rapport` reports a failure: `Error: …` for people; with `--json`, one JSON object on
/// stderr, `{"error": {"code": "notFound", "message": "…"}}` (the server's error shape), for
/// scripts. The exit status is the same either way: 64 for a command line the parser refused,
/// 1 for anything else.
enum ErrorReport {
    /// Whether `--json` appears among the options (not after `--`).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }

    /// The stable code of `error`: a ``CLIError``'s own, else `usage` for what the parser refused.
    static func code(of error: any Error) -> CLIError.Code {
        if let error = error as? CLIError { return error.code }
        if Rapport.exitCode(for: error) == .validationFailure { return .usage }
        return (describe(error) as? CLIError)?.code ?? .failed
    }

    static func exit(with error: any Error, json: Bool) -> Never {
        let status = Rapport.exitCode(for: error)
        if status == .success { Rapport.exit(withError: error) }
        let text: String
        if json {
            let message = NegativeNumbers.restore(Rapport.message(for: error))
            // One line, so a script that reads stderr line by line (or logs it) gets the whole error.
            text = jsonText(["error": ["code": code(of: error).rawValue, "message": message]], pretty: false)
        } else {
            text = Terminal.escape(NegativeNumbers.restore(Rapport.fullMessage(for: error)), keepingNewlines: true)
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        Foundation.exit(status.rawValue)
    }
}

/// Negative numbers as values: swift-argument-parser reads `-20` as an option, so
/// `rapport measure nps -20 --period 2026` would fail with "Missing expected argument".
///
/// Options that may be negative use `@Option(parsing: .unconditional)` (`--linear -100:100`).
/// For positionals, when a command line does not parse as typed, it is parsed again with each
/// number like `-20` that does not follow an option name written with U+2212 (`−20`), which the
/// parser takes as a value and ``SignedNumber`` reads back. `rapport … -- -20` also works.
enum NegativeNumbers {
    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        do {
            return try Rapport.parseAsRoot(arguments)
        } catch {
            let rewritten = rewrite(arguments)
            guard rewritten != arguments, Rapport.exitCode(for: error) != .success else { throw error }
            return try Rapport.parseAsRoot(rewritten)
        }
    }

    static func rewrite(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var terminated = false
        for argument in arguments {
            let previous = result.last
            let followsOption = previous.map { $0.hasPrefix("-") && !isNegativeNumber($0) && !$0.hasPrefix("\u{2212}") } ?? false
            if !terminated, isNegativeNumber(argument), !followsOption {
                result.append("\u{2212}" + argument.dropFirst())
            } else {
                result.append(argument)
            }
            if argument == "--" { terminated = true }
        }
        return result
    }

    /// Writes U+2212 back as `-` in a message, so an error quotes what the user typed.
    static func restore(_ message: String) -> String {
        message.replacingOccurrences(of: "\u{2212}", with: "-")
    }

    static func isNegativeNumber(_ text: String) -> Bool {
        text.range(of: #"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"#, options: .regularExpression) != nil
    }
}
