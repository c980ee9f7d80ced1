import Foundation
import PlaybookCore

extension Engine {
    /// What a `notify` step needs before its fan-out starts, whichever journal runs it: the
    /// segment's condition, the parsed message, the open contacts file and the routing rules.
    struct NotifySetup {
        var expression: PlaybookCore.Expression
        var renderer: MessageRenderer
        /// Open: the caller closes it.
        var contacts: any ContactReader
        var routing: DeliveryRouting
        /// The playbook's timezone, for contacts without their own.
        var zone: TimeZone
    }

    /// Prepares a `notify` step, or says in one line why it cannot run.
    func prepareNotify(_ step: Step, playbook: Playbook) -> Result<NotifySetup, StepSetupFailure> {
        guard case .notify(let segmentID, let via, let content, let mode) = step.action,
            let segment = playbook.audience?.segment(segmentID.value), let expression = segment.condition.expression,
            let contactsName = playbook.audience?.contacts?.value
        else { return .failure(StepSetupFailure(reason: "the step's segment or contacts are not defined")) }
        let renderer: MessageRenderer
        do {
            renderer = try MessageRenderer(content: content, in: playbook)
        } catch {
            return .failure(StepSetupFailure(reason: error.description))
        }
        let path = contactsName.hasPrefix("/") ? contactsName : (playbook.directory as NSString).appendingPathComponent(contactsName)
        let contacts: any ContactReader
        do {
            contacts = try contactsOpener.open(path, layout: playbook.audience?.layout ?? .native)
        } catch {
            return .failure(StepSetupFailure(reason: error.description))
        }
        let zone = TimeZone(identifier: playbook.timezoneIdentifier) ?? TimeZone(identifier: "UTC")!
        let routes = via.compactMap { ref in playbook.channel(ref.value).map { (id: $0.id.value, type: $0.type) } }
        let routing = DeliveryRouting(via: routes, mode: mode, quietHours: playbook.settings.quietHours?.value, defaultTimezone: zone)
        return .success(NotifySetup(expression: expression, renderer: renderer, contacts: contacts, routing: routing, zone: zone))
    }
}

/// Why a step could not be prepared, in words for the journal.
struct StepSetupFailure: Error {
    var reason: String
}
