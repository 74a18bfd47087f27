import Foundation

/// A relationship's level at one assessment, when it differs from the one before (or is the first).
///
/// `isDrop` marks a High → Low transition: the change a CSM must act on.
public struct RelationshipChange: Sendable, Hashable {
    /// The stakeholder's id, nil for the unnamed relationship.
    public let stakeholderID: String?
    /// The stakeholder's name, or "unnamed".
    public let name: String
    /// The level before; nil at the relationship's first assessment.
    public let from: Level?
    public let to: Level
    public let at: Date
    /// The assessment that shows the change.
    public let assessmentID: String

    /// High → Low.
    public var isDrop: Bool { from == .high && to == .low }
}

extension StakeholderRelationship {
    /// The assessments at which this relationship's level changed (the first one included), oldest first.
    /// Repeating the same level is no change.
    public var changes: [RelationshipChange] {
        var previous: Level?
        var found: [RelationshipChange] = []
        for assessment in history where assessment.relationship != previous {
            found.append(RelationshipChange(stakeholderID: stakeholderID, name: name, from: previous, to: assessment.relationship,
                                            at: assessment.assessedAt, assessmentID: assessment.id))
            previous = assessment.relationship
        }
        return found
    }
}

extension AccountRelationship {
    /// Every relationship's changes, by date (then name, then assessment id).
    public var changes: [RelationshipChange] {
        relationships.flatMap(\.changes).sorted { ($0.at, $0.name, $0.assessmentID) < ($1.at, $1.name, $1.assessmentID) }
    }
}
