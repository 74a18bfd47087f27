import Foundation

extension Store {
    /// Moves a refused outbox entry aside: it leaves the outbox (if the record was not written
    /// again since) and is kept in the rejection list with the server's reason.
    ///
    /// A later local write of the record queues it again, so fixing the cause and editing retries it.
    public func setAside(_ token: PendingChange.Token, reason: String, message: String) throws {
        try withCore { core in
            try core.write {
                guard try core.acknowledge([token]) == 1 else { return }
                try core.keepRejected(entity: token.entity, id: token.id, change: token.change, reason: reason, message: message)
            }
        }
    }

    /// Local changes the server refused, oldest first.
    public func rejections() throws -> [Rejection] {
        try withCore { core in
            try core.read {
                let statement = try core.db.cachedStatement("SELECT seq, entity, id, reason, message, rejected_at FROM _rejected ORDER BY seq")
                defer { statement.reset() }
                var result: [Rejection] = []
                while try statement.step() {
                    result.append(Rejection(seq: statement.int64(0), entity: statement.string(1) ?? "", id: statement.string(2) ?? "",
                                            reason: statement.string(3) ?? "", message: statement.string(4) ?? "",
                                            rejectedAt: Date(epochMillis: Double(statement.int64(5)))))
                }
                return result
            }
        }
    }
}
