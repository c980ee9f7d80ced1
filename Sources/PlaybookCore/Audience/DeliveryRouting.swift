import Foundation

/// Decides, for one contact of a `notify` step, which channels it gets the message on and when:
/// the first channel in `via` it can receive on (an address and consent for that kind), or all of
/// them with `mode: all`; SMS inside quiet hours (in the contact's own timezone) waits for the end
/// of the window. Consent is never overridden.
///
/// The planner and the executor both route through this type by way of `ContactWalk`, so the
/// plan's counts are what the run sends.
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

    /// Why a contact cannot receive on a channel, for the plan's counts per reason: the reasons
    /// of docs/contacts.md, an address reason before a consent one.
    public enum Obstacle: Int, CaseIterable, Sendable {
        case noEmail, badEmail, consentEmailUnreadable, consentEmailEmpty, consentEmailNo, consentEmailAbsent
        case noPhone, phoneNoCountry, phoneCountryUnknown, phoneNotE164, consentSMSUnreadable, consentSMSEmpty, consentSMSNo, consentSMSAbsent
        case noTelegramChat

        /// The JSON key.
        public var key: String {
            switch self {
            case .noEmail: return "no_email"
            case .badEmail: return "bad_email"
            case .consentEmailUnreadable: return "consent_email_unreadable"
            case .consentEmailEmpty: return "consent_email_empty"
            case .consentEmailNo: return "consent_email_no"
            case .consentEmailAbsent: return "consent_email_absent"
            case .noPhone: return "no_phone"
            case .phoneNoCountry: return "phone_no_country"
            case .phoneCountryUnknown: return "phone_country_unknown"
            case .phoneNotE164: return "phone_not_e164"
            case .consentSMSUnreadable: return "consent_sms_unreadable"
            case .consentSMSEmpty: return "consent_sms_empty"
            case .consentSMSNo: return "consent_sms_no"
            case .consentSMSAbsent: return "consent_sms_absent"
            case .noTelegramChat: return "no_telegram_chat_id"
            }
        }

        /// "2 without an email", for text.
        public func counted(_ count: Int) -> String {
            switch self {
            case .noEmail: return "\(count) without an email"
            case .badEmail: return "\(count) with an invalid email"
            case .noPhone: return "\(count) without a phone"
            case .phoneNoCountry: return "\(count) with a national phone number and no country"
            case .phoneCountryUnknown: return "\(count) with a phone of a country whose numbers are not known"
            case .phoneNotE164: return "\(count) with a phone not in E.164"
            case .consentEmailUnreadable, .consentSMSUnreadable: return "\(count) with an unreadable consent value"
            case .consentEmailEmpty, .consentSMSEmpty: return "\(count) with an empty consent cell"
            case .consentEmailNo, .consentSMSNo: return "\(count) who said no"
            case .consentEmailAbsent, .consentSMSAbsent: return "\(count) without a consent column in the file"
            case .noTelegramChat: return "\(count) without a telegram_chat_id"
            }
        }
    }

    /// Why `contact` cannot receive on a channel of `type`, or nil when it can (the other side of
    /// `address(of:for:)`). An address problem comes before a consent one.
    public static func obstacle(for contact: Contact, on type: ChannelType) -> Obstacle? {
        switch type {
        case .smtp:
            if contact.problems.contains(.invalidEmail) { return .badEmail }
            if contact.email.isEmpty { return .noEmail }
            if contact.consentEmail { return nil }
            if contact.problems.contains(.unreadableEmailConsent) { return .consentEmailUnreadable }
            if contact.problems.contains(.noEmailConsentColumn) { return .consentEmailAbsent }
            return contact.problems.contains(.emptyEmailConsent) ? .consentEmailEmpty : .consentEmailNo
        case .twilio:
            if contact.problems.contains(.phoneNoCountry) { return .phoneNoCountry }
            if contact.problems.contains(.phoneCountryUnknown) { return .phoneCountryUnknown }
            if contact.problems.contains(.invalidPhone) { return .phoneNotE164 }
            if contact.phone.isEmpty { return .noPhone }
            if contact.consentSMS { return nil }
            if contact.problems.contains(.unreadableSMSConsent) { return .consentSMSUnreadable }
            if contact.problems.contains(.noSMSConsentColumn) { return .consentSMSAbsent }
            return contact.problems.contains(.emptySMSConsent) ? .consentSMSEmpty : .consentSMSNo
        case .telegram:
            return (contact.fields["telegram_chat_id"] ?? "").isEmpty ? .noTelegramChat : nil
        default: return nil
        }
    }

    /// Whether quiet hours apply to a channel type: SMS (docs/language.md, Steps).
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

    /// Calls `body` with each route of a contact, without collecting them (`ContactWalk` keeps
    /// them in a buffer it reuses); returns how many there were.
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
