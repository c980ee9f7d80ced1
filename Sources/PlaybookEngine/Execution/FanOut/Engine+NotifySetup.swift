import Foundation
import PlaybookCore

extension Engine {
    /// What a `notify` step needs before its fan-out starts, whichever journal runs it: the walk
    /// over the contacts (segment, routing, duplicates), the parsed message and the open contacts file.
    struct NotifySetup {
        var walk: ContactWalk
        var renderer: MessageRenderer
        /// Open: the caller closes it.
        var contacts: any ContactReader
    }

    /// Prepares a `notify` step starting now with `facts`, or says in one line why it cannot run.
    func prepareNotify(_ step: Step, playbook: Playbook, facts: Facts) -> Result<NotifySetup, StepSetupFailure> {
        guard case .notify(_, _, let content, _) = step.action, let walk = ContactWalk(step: step, in: playbook, facts: facts, at: clock.now()),
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
        return .success(NotifySetup(walk: walk, renderer: renderer, contacts: contacts))
    }
}

/// Why a step could not be prepared, in words for the journal.
struct StepSetupFailure: Error {
    var reason: String
}
