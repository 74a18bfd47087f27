import Foundation

/// A task executor with one thread of its own, for the long simulation runs.
///
/// A simulation runs minutes of SQLite work, and its PostgreSQL server waits on the database
/// synchronously. On Swift's cooperative pool (one thread per core, two on CI) two such runs
/// would hold every thread, and the suites running beside them — live sync, observed queries —
/// would not get a turn for minutes. Run with `withTaskExecutorPreference(ThreadExecutor(...))`,
/// the simulation's work stays on this thread, which the kernel schedules like any other.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in self.runJobs() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func runJobs() {
        while true {
            let job: UnownedJob = condition.withLock {
                while jobs.isEmpty { condition.wait() }
                return jobs.removeFirst()
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
