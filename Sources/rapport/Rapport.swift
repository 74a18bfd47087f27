import ArgumentParser
import Foundation

/// The `rapport` command: a Customer Success replica you can use, sync and test.
@main
struct Rapport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport",
        abstract: "Offline-first Customer Success data: accounts, Trust × Respect relationships, a balanced scorecard, and sync.",
        discussion: "Every command works on one replica file (--db, default $RAPPORT_DB or ./rapport.db).",
        subcommands: [
            Demo.self, Init.self, Status.self,
            AccountCommand.self, StakeholderCommand.self,
            Assess.self, AssessmentCommand.self, History.self, CrisisCommand.self, Attention.self, PortfolioCommand.self,
            ObjectiveCommand.self, Measure.self, MeasurementsCommand.self, WeightsCommand.self, Score.self, KPICommand.self, Report.self,
            Serve.self, ServerCommand.self, Sync.self, Conflicts.self, Export.self, Import.self, Simulate.self,
        ])

    /// Parses (reading negative numbers as values, see ``NegativeNumbers``), runs, and reports an
    /// error as one escaped line, or as JSON on stderr under `--json` (``ErrorReport``).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try NegativeNumbers.parse(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            ErrorReport.exit(with: error, json: ErrorReport.wantsJSON(arguments))
        }
    }
}
