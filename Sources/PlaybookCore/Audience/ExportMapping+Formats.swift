extension ExportMapping {
    /// Finds headers by their exact names (the tools' own spelling), ignoring surrounding blanks.
    struct Header {
        let names: [String]
        private let index: [String: Int]

        init(_ names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            for (position, name) in names.enumerated() {
                let key = Self.key(name)
                if index[key] == nil { index[key] = position }
            }
            self.index = index
        }

        static func key(_ name: String) -> String { name.trimmingBlanks() }

        subscript(_ name: String) -> Int? { index[Self.key(name)] }

        /// The first of these headers the file has.
        func first(_ candidates: String...) -> Int? { candidates.lazy.compactMap { self[$0] }.first }

        /// A header the mapping requires: missing, it is a problem naming the closest header.
        func require(_ name: String, for field: String, format: String) throws(Problem) -> Int {
            if let position = self[name] { return position }
            throw Problem(description: Self.missing(name, for: field, format: format, among: names))
        }

        static func missing(_ name: String, for field: String, format: String, among names: [String]) -> String {
            let hint = Suggestion.closest(to: name, in: names).map { "; did you mean '\(String($0.prefix(40)))'?" } ?? ""
            return "\(format) has no '\(name)' column (for \(field))\(hint)"
        }
    }

    /// The mapping of `format` for a file whose header is `header`, with `columns` (and its
    /// consent words) overriding the format's own choices; nil for the native layout without
    /// `columns`, which needs none.
    public static func make(format: ContactsFormat, columns: ContactsColumns?, header names: [String]) throws(Problem) -> ExportMapping? {
        let header = Header(names)
        var sources: [String: Source]
        var used = Set<Int>()
        switch format {
        case .playbook:
            guard columns != nil else { return nil }
            sources = [:]
        case .shopify: sources = try shopify(header, used: &used)
        case .mailchimp: sources = try mailchimp(header, used: &used)
        case .klaviyo: sources = try klaviyo(header, used: &used)
        case .woocommerce: sources = try woocommerce(header, used: &used)
        }
        if let columns { try apply(columns, format: format, header: header, to: &sources, used: &used) }
        var mapping = ExportMapping(header: names, sources: sources, used: used)
        mapping.dropsLeadingApostrophe = format == .shopify
        return mapping
    }

    /// The user's `columns:` over the format's mapping (or alone, for any other export).
    static func apply(_ mapping: ContactsColumns, format: ContactsFormat, header: Header, to sources: inout [String: Source], used: inout Set<Int>) throws(Problem) {
        let what = format == .playbook ? "the contacts file" : "this \(format.rawValue) export"
        var position: [String: Int] = [:]
        for field in ContactsColumns.fields {
            guard let title = mapping.columns[field] else { continue }
            let index = try header.require(title, for: field, format: what)
            position[field] = index
            used.insert(index)
        }
        let yes = Set((mapping.consentYes.isEmpty ? ["true", "yes", "1"] : mapping.consentYes).map { $0.lowercased() })
        let no = Set((mapping.consentNo.isEmpty ? ["false", "no", "0"] : mapping.consentNo).map { $0.lowercased() })
        if let index = position["id"] { sources["id"] = .firstOrLine([index]) }
        if let index = position["name"] {
            sources["name"] = .column(index)
        } else if position["first_name"] != nil || position["last_name"] != nil {
            sources["name"] = .name(first: position["first_name"], last: position["last_name"])
        }
        for field in ["email", "timezone", "locale"] { if let index = position[field] { sources[field] = .column(index) } }
        if let index = position["phone"] { sources["phone"] = .phone(index, country: position["country"]) }
        if let index = position["tags"] { sources["tags"] = .tags(index, separator: UInt8(ascii: ";")) }
        for field in ["consent_email", "consent_sms"] { if let index = position[field] { sources[field] = .consent(index, yes: yes, no: no) } }
        if sources["id"] == nil { sources["id"] = .firstOrLine([position["email"]].compactMap { $0 }) }
    }

    static let yesNo = (yes: Set(["yes", "true", "1"]), no: Set(["no", "false", "0"]))

    /// Shopify's customers export (Customers → Export). Two headers exist: the current one
    /// (`Customer ID`, `Accepts Email Marketing`, `Default Address …`, `Accepts SMS Marketing`)
    /// and the older template's (`Accepts Marketing`, `Country Code`, no id). The id is
    /// `Customer ID`, else the email, else the row; tags are separated by commas.
    static func shopify(_ header: Header, used: inout Set<Int>) throws(Problem) -> [String: Source] {
        let email = try header.require("Email", for: "email", format: "this shopify export")
        guard let consentEmail = header.first("Accepts Email Marketing", "Accepts Marketing") else {
            throw Problem(description: Header.missing("Accepts Email Marketing", for: "consent_email", format: "this shopify export", among: header.names))
        }
        let id = header["Customer ID"]
        let first = header["First Name"], last = header["Last Name"]
        // SMS consent covers the customer's own `Phone`; `Default Address Phone` is the parcel
        // number and stays an extra field.
        let phone = header["Phone"]
        let country = header.first("Default Address Country Code", "Country Code")
        let tags = header["Tags"]
        let consentSMS = header["Accepts SMS Marketing"]
        used.formUnion([email, consentEmail] + [id, first, last, phone, tags, consentSMS].compactMap { $0 })
        var sources: [String: Source] = [
            "id": .firstOrLine([id, email].compactMap { $0 }), "name": .name(first: first, last: last), "email": .column(email),
            "consent_email": .consent(consentEmail, yes: yesNo.yes, no: yesNo.no),
        ]
        if let phone { sources["phone"] = .phone(phone, country: country) }
        if let tags { sources["tags"] = .tags(tags, separator: UInt8(ascii: ",")) }
        if let consentSMS { sources["consent_sms"] = .consent(consentSMS, yes: yesNo.yes, no: yesNo.no) }
        return sources
    }

    /// Mailchimp's audience export (Audience → All contacts → Export Audience): a zip of one file
    /// per status. The subscribed members' file is email consent for every row; the
    /// unsubscribed and cleaned files (recognised by their `UNSUB_TIME` / `CLEAN_TIME` columns)
    /// are consent no for every row: they are never contacted. The export carries no SMS
    /// consent, and `CC` is where the sign-up's IP address was located, not the phone's country:
    /// only numbers already in international form are used.
    static func mailchimp(_ header: Header, used: inout Set<Int>) throws(Problem) -> [String: Source] {
        let email = try header.require("Email Address", for: "email", format: "this mailchimp export")
        let subscribed = header["UNSUB_TIME"] == nil && header["CLEAN_TIME"] == nil
        let first = header["First Name"], last = header["Last Name"]
        let phone = header["Phone Number"]
        let tags = header["TAGS"], timezone = header["TIMEZONE"], id = header["LEID"]
        used.formUnion([email] + [first, last, phone, tags, timezone, id].compactMap { $0 })
        var sources: [String: Source] = [
            "id": .firstOrLine([id, email].compactMap { $0 }), "name": .name(first: first, last: last), "email": .column(email),
            "consent_email": .constant(subscribed ? "true" : "false"),
        ]
        if let phone { sources["phone"] = .phone(phone, country: nil) }
        if let tags { sources["tags"] = .quotedList(tags) }
        if let timezone { sources["timezone"] = .column(timezone) }
        return sources
    }

    /// Klaviyo's profiles export (a list or segment → Export): consent columns hold Klaviyo's
    /// consent states; only `SUBSCRIBED` is yes.
    static func klaviyo(_ header: Header, used: inout Set<Int>) throws(Problem) -> [String: Source] {
        let email = try header.require("Email", for: "email", format: "this klaviyo export")
        let id = header["Klaviyo ID"]
        let first = header["First Name"], last = header["Last Name"]
        let phone = header["Phone Number"], country = header["Country"]
        let consentEmail = header["Email Marketing Consent"], consentSMS = header["SMS Marketing Consent"]
        let timezone = header["Timezone"], locale = header["Locale"]
        used.formUnion([email] + [id, first, last, phone, country, consentEmail, consentSMS, timezone, locale].compactMap { $0 })
        let subscribed = (yes: Set(["subscribed"]), no: Set(["unsubscribed", "never_subscribed", "never subscribed"]))
        var sources: [String: Source] = [
            "id": .firstOrLine([id, email].compactMap { $0 }), "name": .name(first: first, last: last), "email": .column(email),
        ]
        if let consentEmail { sources["consent_email"] = .consent(consentEmail, yes: subscribed.yes, no: subscribed.no) }
        if let consentSMS { sources["consent_sms"] = .consent(consentSMS, yes: subscribed.yes, no: subscribed.no) }
        if let phone { sources["phone"] = .phone(phone, country: country) }
        if let timezone { sources["timezone"] = .column(timezone) }
        if let locale { sources["locale"] = .column(locale) }
        return sources
    }

    /// WooCommerce's customers report (Analytics → Customers → Download): names, email and
    /// country, but no phone and no marketing consent, which WooCommerce core does not keep:
    /// nobody is reached by email or SMS from it (channels that need no consent, `webhook` and
    /// `file`, still get every row), and `validate` says why.
    static func woocommerce(_ header: Header, used: inout Set<Int>) throws(Problem) -> [String: Source] {
        let email = try header.require("Email", for: "email", format: "this woocommerce export")
        let name = header["Name"], username = header["Username"]
        used.formUnion([email] + [name, username].compactMap { $0 })
        var sources: [String: Source] = ["id": .firstOrLine([username, email].compactMap { $0 }), "email": .column(email)]
        if let name { sources["name"] = .column(name) }
        return sources
    }
}
