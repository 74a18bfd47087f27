import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws whole frames with plain ANSI escapes on a terminal, or as marked blocks of text on a pipe.
struct Terminal {
    /// A pipe or a file gets frames a script can split: a line `--- frame ---` before each.
    let isInteractive = isatty(STDOUT_FILENO) == 1

    /// Switches to the alternate screen (the shell's screen comes back intact) and hides the cursor.
    func begin() {
        if isInteractive { emit("\u{1B}[?1049h\u{1B}[?25l") }
    }

    /// One write per frame, so the terminal never shows half of one.
    func draw(_ lines: [String]) {
        if isInteractive {
            emit("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\r\n"))
        } else {
            emit("--- frame ---\n" + lines.joined(separator: "\n") + "\n")
        }
    }

    func end() {
        if isInteractive { emit("\u{1B}[?25h\u{1B}[?1049l") }
    }

    private func emit(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Calls `stop`, once, on SIGINT or SIGTERM instead of dying mid-frame with the terminal
    /// still on the alternate screen; after that, a second Ctrl-C quits at once.
    ///
    /// The handler only writes a byte to a pipe (about the only thing a signal handler may
    /// safely do); a thread of its own reads it and does the rest.
    static func onInterrupt(_ stop: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        interruptWriteEnd = ends[1]
        let readEnd = ends[0]
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in
                var byte: UInt8 = 1
                _ = write(interruptWriteEnd, &byte, 1)
            }
        }
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) < 0, errno == EINTR {}
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            stop()
        }
    }
}

/// Set once before the handlers are installed; a signal handler may read a plain global only.
nonisolated(unsafe) private var interruptWriteEnd: Int32 = -1
