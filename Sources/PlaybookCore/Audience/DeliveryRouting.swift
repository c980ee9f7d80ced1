import Foundation

/// Decides, for one contact of a `notify` step, which channels it gets the message on and when:
/// the first channel in `via` it can receive on (an address and consent for that kind), or all of
/// them with `mode: all`; SMS inside quiet hours (in the contact's own timezone) waits for the end
/// of the window. Consent is never overridden.
///
/// The planner and the executor both route through this type, so the plan's counts are what the
/// run sends.
public struct DeliveryRouting: Sendable {
    public struct Route: Sendable, Equatable {
        /// Position of the channel in `via`.
        public var index: Int
        public var channel: String
        public var type: ChannelType
        /// Where the message goes: an email address, a phone number, a chat id, or the contact id.
        public var address: String
        /// When quiet hours defer the delivery, the moment they end.
        public var deferredUntil: Date?
    }

    public var via: [(id: String, type: ChannelType)]
    public var mode: DeliveryMode
    public var quietHours: TimeWindow?
    public var defaultTimezone: TimeZone

    public init(via: [(id: String, type: ChannelType)], mode: DeliveryMode, quietHours: TimeWindow?, defaultTimezone: TimeZone) {
        self.via = via
        self.mode = mode
        self.quietHours = quietHours
        self.defaultTimezone = defaultTimezone
    }

    /// The address a contact has for a channel type, when it may be used (consent included).
    public static func address(of contact: Contact, for type: ChannelType) -> String? {
        switch type {
        case .smtp:
            guard !contact.email.isEmpty, contact.consentEmail else { return nil }
            // Addresses are compared case-insensitively; most are already lowercase.
            return contact.email.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) ? contact.email.lowercased() : contact.email
        case .twilio: return !contact.phone.isEmpty && contact.consentSMS ? contact.phone : nil
        case .telegram:
            let chat = contact.fields["telegram_chat_id"] ?? ""
            return chat.isEmpty ? nil : chat
        case .webhook, .file: return contact.id
        default: return nil
        }
    }

    /// Why a contact cannot receive on a channel, for the plan's counts per reason.
    public enum Obstacle: Int, CaseIterable, Sendable {
        case noAddress, invalidAddress, noConsent, unreadableConsent

        /// The JSON key.
        public var key: String {
            switch self {
            case .noAddress: return "no_address"
            case .invalidAddress: return "invalid_address"
            case .noConsent: return "no_consent"
            case .unreadableConsent: return "unreadable_consent"
            }
        }

        /// "2 without an address", for text.
        public func counted(_ count: Int) -> String {
            switch self {
            case .noAddress: return "\(count) without an address"
            case .invalidAddress: return "\(count) with an invalid address"
            case .noConsent: return "\(count) without consent"
            case .unreadableConsent: return "\(count) with an unreadable consent value"
            }
        }
    }

    /// Why `contact` cannot receive on a channel of `type`, or nil when it can (the other side of
    /// `address(of:for:)`). An address problem comes before a consent one.
    public static func obstacle(for contact: Contact, on type: ChannelType) -> Obstacle? {
        switch type {
        case .smtp:
            if contact.problems.contains(.invalidEmail) { return .invalidAddress }
            if contact.email.isEmpty { return .noAddress }
            if contact.problems.contains(.unreadableEmailConsent) { return .unreadableConsent }
            return contact.consentEmail ? nil : .noConsent
        case .twilio:
            if contact.problems.contains(.invalidPhone) { return .invalidAddress }
            if contact.phone.isEmpty { return .noAddress }
            if contact.problems.contains(.unreadableSMSConsent) { return .unreadableConsent }
            return contact.consentSMS ? nil : .noConsent
        case .telegram:
            return (contact.fields["telegram_chat_id"] ?? "").isEmpty ? .noAddress : nil
        case .webhook, .file: return nil
        default: return .noAddress
        }
    }

    /// Whether quiet hours apply to a channel type: SMS (§6).
    public static func respectsQuietHours(_ type: ChannelType) -> Bool { type == .twilio }

    /// Remembers, for one moment, whether each timezone is in quiet hours and until when:
    /// calendar arithmetic is the costly part of routing, and contacts share a few dozen zones.
    public struct QuietHoursCache: Sendable {
        var moment: Date?
        var ends: [String: Date?] = [:]
        public init() {}
    }

    public func routes(for contact: Contact, at moment: Date, cache: inout QuietHoursCache) -> [Route] {
        var routes: [Route] = []
        forEachRoute(for: contact, at: moment, cache: &cache) { routes.append($0) }
        return routes
    }

    /// Calls `body` with each route of a contact, without collecting them (the planner's hot loop);
    /// returns how many there were.
    @discardableResult
    public func forEachRoute(for contact: Contact, at moment: Date, cache: inout QuietHoursCache, _ body: (Route) -> Void) -> Int {
        var count = 0
        for (index, (id, type)) in via.enumerated() {
            guard let address = Self.address(of: contact, for: type) else { continue }
            var route = Route(index: index, channel: id, type: type, address: address, deferredUntil: nil)
            if let quietHours, Self.respectsQuietHours(type) {
                if cache.moment != moment {
                    cache.moment = moment
                    cache.ends.removeAll()
                }
                if let known = cache.ends[contact.timezone] {
                    route.deferredUntil = known
                } else {
                    let zone = contact.timezone.isEmpty ? defaultTimezone : (TimeZone(identifier: contact.timezone) ?? defaultTimezone)
                    let end = Self.endOfQuietHours(quietHours, at: moment, in: zone)
                    cache.ends[contact.timezone] = .some(end)
                    route.deferredUntil = end
                }
            }
            body(route)
            count += 1
            if mode == .first { break }
        }
        return count
    }

    /// When `moment` falls inside the window in `zone`, the moment the window ends; else nil.
    public static func endOfQuietHours(_ window: TimeWindow, at moment: Date, in zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: moment)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard window.contains(minuteOfDay: minute) else { return nil }
        let startOfDay = calendar.startOfDay(for: moment)
        // The window ends today if its end is still ahead, else tomorrow (a window wrapping midnight).
        let endToday = calendar.date(bySettingHour: window.end / 60, minute: window.end % 60, second: 0, of: startOfDay) ?? moment
        if endToday > moment { return endToday }
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: startOfDay) ?? moment
        return calendar.date(bySettingHour: window.end / 60, minute: window.end % 60, second: 0, of: tomorrow) ?? moment
    }
}
