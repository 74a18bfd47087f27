import Foundation

/// Wakes long-polling pulls of a workspace when a push stores something there.
///
/// Each workspace has a generation counter that `notify` advances. A pull reads the generation
/// *before* it queries the store; if the page is empty it waits for the generation to move past the
/// one it read. A push landing between the query and the wait has already advanced it, so the wait
/// returns at once: no change is slept through. Waiters suspend on continuations (no polling, no
/// CPU) and are woken by `notify`, by the timeout, or by cancellation (a client that hung up).
actor ChangeNotifier {
    private enum Ticket {
        /// Created, not suspended yet.
        case pending(workspace: String)
        case waiting(workspace: String, CheckedContinuation<Void, Never>)
        /// Woken by a notification; the waiter only has to collect it.
        case notified
    }

    private var generations: [String: UInt64] = [:]
    private var tickets: [UInt64: Ticket] = [:]
    private var nextTicket: UInt64 = 0

    /// Advanced by `notify(nil)`: part of every workspace's generation.
    private var everyone: UInt64 = 0

    func generation(of workspace: String) -> UInt64 { generations[workspace, default: 0] &+ everyone }

    /// Records that `workspace` changed and wakes everyone waiting on it; nil wakes every waiter
    /// (changes may have been missed, e.g. while a database listener reconnected).
    func notify(_ workspace: String?) {
        if let workspace {
            generations[workspace, default: 0] &+= 1
        } else {
            everyone &+= 1
        }
        for (ticket, state) in tickets {
            if case .waiting(let waited, let continuation) = state, workspace == nil || waited == workspace {
                tickets[ticket] = .notified
                continuation.resume()
            }
        }
    }

    /// Waits until `workspace` moves past `generation`, at most `timeout`; true if it did.
    nonisolated func wait(for workspace: String, after generation: UInt64, timeout: Duration) async -> Bool {
        let ticket = await open(workspace)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspend(ticket, after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            await self.close(ticket)
            group.cancelAll()
        }
        return await self.generation(of: workspace) != generation
    }

    private func open(_ workspace: String) -> UInt64 {
        nextTicket &+= 1
        tickets[nextTicket] = .pending(workspace: workspace)
        return nextTicket
    }

    private func suspend(_ ticket: UInt64, after generation: UInt64) async {
        // Closed already (timed out before this task ran), or changed since the pull looked.
        guard case .pending(let workspace) = tickets[ticket], self.generation(of: workspace) == generation else { return }
        // The body runs on this actor before suspending, so no notify can slip in between.
        await withCheckedContinuation { continuation in
            tickets[ticket] = .waiting(workspace: workspace, continuation)
        }
    }

    /// Forgets a ticket, resuming its waiter if nothing else did; every ticket is closed exactly once.
    private func close(_ ticket: UInt64) {
        if case .waiting(_, let continuation) = tickets[ticket] { continuation.resume() }
        tickets[ticket] = nil
    }
}
