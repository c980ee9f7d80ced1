/// A step of `steps:` or `recovery:` (docs/language.md, Steps): one action and when and whether to run it.
public struct Step: Sendable {
    public var id: Located<String>
    public var action: Action
    public var actionLocation: SourceLocation
    /// Earliest offset from the incident's start (or its resolution, for recovery), in seconds.
    public var at: Double = 0
    public var after: [Located<String>] = []
    public var delay: Double = 0
    public var condition: Condition?
    /// Seconds per attempt.
    public var timeout: Double = 120
    public var retry = RetryPolicy()
    public var continueOnError = false
    public var isRecovery = false
    /// The `body` of a `webhook` action as written, so that the templates in its string leaves
    /// are checked (and reported) where they are written.
    public var webhookBody: YAMLNode?
}

public struct RetryPolicy: Sendable, Equatable {
    public var attempts = 3
    /// Seconds before the first retry; doubles each time, with jitter, capped at 5 minutes.
    public var backoff: Double = 5
    public init() {}
}

/// How `notify`/`post` choose among their channels.
public enum DeliveryMode: String, Sendable {
    case first, all
}

/// The text a `notify` or `post` sends: a named template or inline text.
public enum MessageContent: Sendable {
    case template(Located<String>)
    case inline(subject: Located<String>?, text: Located<String>?)
}

public enum CampaignSelector: Sendable, Equatable {
    case all
    case ids([String])
    case nameMatches(String)
}

/// The actions of steps (docs/language.md).
public enum Action: Sendable {
    case notify(segment: Located<String>, via: [Located<String>], content: MessageContent, mode: DeliveryMode)
    case post(to: [Located<String>], content: MessageContent, link: Located<String>?, mode: DeliveryMode)
    case pauseAds(channel: Located<String>, campaigns: CampaignSelector)
    case resumeAds(channel: Located<String>, campaigns: CampaignSelector?)
    case reschedulePosts(channel: Located<String>, networks: [Located<String>], window: Double, shift: Double)
    case restorePosts(channel: Located<String>)
    case webhook(channel: Located<String>?, url: ConfigValue?, method: String, body: JSONValue?)
    case wait(Double)
    case log(Located<String>)
    case approve(ApprovalRequest)

    public static let names = ["notify", "post", "pause_ads", "resume_ads", "reschedule_posts", "restore_posts", "webhook", "wait", "log", "approve"]

    public var name: String {
        switch self {
        case .notify: return "notify"
        case .post: return "post"
        case .pauseAds: return "pause_ads"
        case .resumeAds: return "resume_ads"
        case .reschedulePosts: return "reschedule_posts"
        case .restorePosts: return "restore_posts"
        case .webhook: return "webhook"
        case .wait: return "wait"
        case .log: return "log"
        case .approve: return "approve"
        }
    }

    /// The channels the action uses, as written.
    public var channels: [Located<String>] {
        switch self {
        case .notify(_, let via, _, _): return via
        case .post(let to, _, _, _): return to
        case .pauseAds(let c, _), .resumeAds(let c, _), .reschedulePosts(let c, _, _, _), .restorePosts(let c): return [c]
        case .webhook(let c, _, _, _): return c.map { [$0] } ?? []
        case .wait, .log: return []
        case .approve(let request): return request.to + request.via
        }
    }

    /// How long the action itself lasts in the timeline: zero for all but `wait` (an approval
    /// lasts until a person decides, which a plan cannot know: it counts as zero there too).
    public var duration: Double {
        if case .wait(let seconds) = self { return seconds }
        return 0
    }
}
