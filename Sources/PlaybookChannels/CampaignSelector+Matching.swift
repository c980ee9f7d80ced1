import Foundation
import PlaybookCore
import PlaybookEngine

extension CampaignSelector {
    /// The campaigns of `active` the selector names: all, those with the listed ids, or those
    /// whose name the regular expression finds a match in. Order is kept.
    func select(_ active: [Campaign], channel what: String) throws(ChannelFailure) -> [Campaign] {
        switch self {
        case .all:
            return active
        case .ids(let ids):
            let wanted = Set(ids)
            return active.filter { wanted.contains($0.id) }
        case .nameMatches(let pattern):
            let expression: NSRegularExpression
            do { expression = try NSRegularExpression(pattern: pattern) } catch {
                throw .permanent("\(what): name_matches '\(pattern)' is not a valid regular expression")
            }
            return active.filter { campaign in
                expression.firstMatch(in: campaign.name, range: NSRange(campaign.name.startIndex..., in: campaign.name)) != nil
            }
        }
    }
}
