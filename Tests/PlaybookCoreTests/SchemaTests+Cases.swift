import Testing

/// A playbook written inline for the schema tests, with what the loader says about it.
struct SchemaCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    /// For a rejected document: a fragment of the loader's error, so that both reject it for the
    /// same reason and not for a slip elsewhere in the example.
    var loaderSays: String = ""
    /// For a rejected document: where (a JSON pointer) the schema reports a problem.
    var schemaAt: String = ""

    var testDescription: String { name }

    static let minimal = """
        version: 1
        playbook: tiny
        triggers:
          - id: by-hand
            manual: {}
        steps:
          - id: note
            log: { message: hello }

        """

    /// `minimal` with a line replaced (or added, when `old` is empty).
    static func edited(replacing old: String = "", with new: String) -> String {
        old.isEmpty ? minimal + new + "\n" : minimal.replacingOccurrences(of: old, with: new)
    }

    static let accepted: [SchemaCase] = [
        SchemaCase(name: "minimal", yaml: minimal),
        SchemaCase(name: "every-feature", yaml: everyFeature),
        SchemaCase(name: "empty-optional-sections", yaml: edited(with: "vars:\nsources:\nchannels:\ntemplates:\nsettings:\nrecovery:")),
        SchemaCase(name: "approve-on-a-chat", yaml: approval("{ to: [team], text: \"Pause? {{ approval.url }}\", timeout: 20m, on_timeout: approve }")),
        SchemaCase(name: "approve-by-contacts", yaml: approval("{ segment: owners, via: [sms], text: \"Pause? {{ approval.url }}\" }")),
    ]

    /// `minimal` with an approve step asking `request`, and channels and a segment to ask.
    static func approval(_ request: String) -> String {
        edited(
            replacing: "    log: { message: hello }",
            with: "    approve: \(request)\nchannels:\n  team: { type: slack, webhook_url: https://hooks.example.com/x }\n"
                + "  sms: { type: twilio, account_sid: AC1, auth_token: \"${env.TW}\", from: '+390000000000' }\n"
                + "audience:\n  contacts: contacts.csv\n  segments: { owners: \"true\" }")
    }

    static let rejected: [SchemaCase] = [
        SchemaCase(
            name: "approve-asking-nobody", yaml: approval("{ text: \"Pause? {{ approval.url }}\" }"), loaderSays: "asks nobody",
            schemaAt: "/steps/0/approve"),
        SchemaCase(
            name: "approve-segment-without-via", yaml: approval("{ to: [team], segment: owners, text: \"Pause? {{ approval.url }}\" }"),
            loaderSays: "gives 'segment' without 'via'", schemaAt: "/steps/0/approve"),
        SchemaCase(
            name: "approve-bad-on-timeout", yaml: approval("{ to: [team], text: \"Pause? {{ approval.url }}\", on_timeout: allow }"),
            loaderSays: "'on_timeout' in 'approve' of step 'note' must be one of", schemaAt: "/steps/0/approve/on_timeout"),
        SchemaCase(name: "unknown-top-level-key", yaml: edited(with: "colour: blue"), loaderSays: "unknown key 'colour'", schemaAt: "/"),
        SchemaCase(
            name: "missing-playbook", yaml: edited(replacing: "playbook: tiny\n", with: ""), loaderSays: "missing required key 'playbook'", schemaAt: "/"),
        SchemaCase(name: "version-2", yaml: edited(replacing: "version: 1", with: "version: 2"), loaderSays: "unsupported version", schemaAt: "/version"),
        SchemaCase(
            name: "no-steps", yaml: "version: 1\nplaybook: tiny\ntriggers: [{ id: t, manual: {} }]\nsteps: []\n",
            loaderSays: "'steps' must have at least one item", schemaAt: "/steps"),
        SchemaCase(
            name: "channel-field-of-another-type",
            yaml: edited(with: "channels:\n  news: { type: smtp, host: smtp.example.com, from: hello@shop.example, webhook_url: https://hooks.example.com/x }"),
            loaderSays: "unknown key 'webhook_url'", schemaAt: "/channels/news"
        ),
        SchemaCase(
            name: "concurrency-over-64", yaml: edited(with: "channels:\n  out: { type: file, path: out.jsonl, concurrency: 65 }"),
            loaderSays: "'concurrency' in file channel 'out' must be between 1 and 64", schemaAt: "/channels/out"),
        SchemaCase(
            name: "channel-missing-field", yaml: edited(with: "channels:\n  team: { type: slack }"), loaderSays: "missing required key 'webhook_url'",
            schemaAt: "/channels/team"),
        SchemaCase(
            name: "unknown-channel-type", yaml: edited(with: "channels:\n  news: { type: smpt, host: smtp.example.com }"),
            loaderSays: "unknown channel type 'smpt'", schemaAt: "/channels/news"),
        SchemaCase(
            name: "twilio-from-and-service",
            yaml: edited(with: "channels:\n  sms: { type: twilio, account_sid: AC1, auth_token: t, from: '+390000000000', messaging_service_sid: MG1 }"),
            loaderSays: "not both", schemaAt: "/channels/sms"
        ),
        SchemaCase(
            name: "smtp-username-without-password",
            yaml: edited(with: "channels:\n  mail: { type: smtp, host: smtp.example.com, from: hello@shop.example, username: shop }"),
            loaderSays: "both 'username' and 'password'", schemaAt: "/channels/mail"
        ),
        SchemaCase(
            name: "malformed-env-reference", yaml: edited(with: "channels:\n  x: { type: x, token: \"${X_TOKEN}\" }"),
            loaderSays: "not a well-formed reference", schemaAt: "/channels/x"),
        SchemaCase(
            name: "step-with-two-actions", yaml: edited(replacing: "    log: { message: hello }", with: "    log: { message: hello }\n    wait: { for: 5m }"),
            loaderSays: "has two actions", schemaAt: "/steps/0"),
        SchemaCase(
            name: "step-without-action", yaml: edited(replacing: "    log: { message: hello }", with: "    delay: 5m"), loaderSays: "has no action",
            schemaAt: "/steps/0"),
        SchemaCase(
            name: "bare-number-duration", yaml: edited(replacing: "    manual: {}", with: "    manual: {}\n    for: 30"), loaderSays: "bare number",
            schemaAt: "/triggers/0/for"),
        SchemaCase(
            name: "units-out-of-order", yaml: edited(replacing: "    manual: {}", with: "    manual: {}\n    for: 30s5m"), loaderSays: "must be a duration",
            schemaAt: "/triggers/0/for"),
        SchemaCase(name: "id-not-a-slug", yaml: edited(replacing: "id: note", with: "id: Warn_VIPs"), loaderSays: "is not a valid id", schemaAt: "/steps/0/id"),
        SchemaCase(
            name: "trigger-with-two-kinds", yaml: edited(replacing: "    manual: {}", with: "    manual: {}\n    webhook: { path: /hook }"),
            loaderSays: "has two kinds", schemaAt: "/triggers/0"),
        SchemaCase(
            name: "platform-outside-catalog",
            yaml: edited(replacing: "    manual: {}", with: "    platform_down: { platforms: [myspace] }"),
            loaderSays: "myspace", schemaAt: "/triggers/0/platform_down/platforms/0"
        ),
        SchemaCase(
            name: "percentage-over-100",
            yaml: edited(replacing: "    manual: {}", with: "    traffic_drop: { source: web, drop: 140%, baseline: 7d }")
                + "sources:\n  web: { type: csv, path: traffic.csv }\n",
            loaderSays: "between 0% and 100%", schemaAt: "/triggers/0/traffic_drop/drop"
        ),
        SchemaCase(
            name: "quiet-hours-not-a-window", yaml: edited(with: "settings: { quiet_hours: 9pm-8am }"), loaderSays: "time window",
            schemaAt: "/settings/quiet_hours"),
        SchemaCase(
            name: "post-with-text-and-template",
            yaml: edited(replacing: "    log: { message: hello }", with: "    post: { to: [outbox], text: hi, template: hello }")
                + "channels:\n  outbox: { type: file, path: out.jsonl }\ntemplates:\n  hello: { text: hi }\n",
            loaderSays: "not both", schemaAt: "/steps/0/post"
        ),
    ]

    static let everyFeature = """
        version: 1
        playbook: every-feature
        description: Uses every part of the language at least once.
        timezone: Europe/Rome
        vars:
          shop_url: https://shop.example.com
          limit: 3
        sources:
          prom: { type: prometheus, url: "http://127.0.0.1:9090", query: "sum(up)" }
          plaus: { type: plausible, url: https://plausible.io, site_id: shop.example.com, api_key: "${env.PLAUSIBLE_KEY}" }
          api: { type: json, url: https://api.example.com/stats, field: data.visitors }
          replay: { type: csv, path: data/traffic.csv }
        triggers:
          - id: meta-down
            platform_down: { platforms: [facebook, instagram], down_when: any, every: 1m, timeout: 5s }
            for: 3m
            clear_for: 10m
          - id: custom-down
            platform_down:
              platforms: [myshop]
              checks:
                - { http: https://myshop.example.com/health, expect: 200-299 }
                - { http: https://myshop.example.com/, expect: 200 }
                - { dns: myshop.example.com, server: 1.1.1.1 }
                - { statuspage: https://status.example.com/api/v2/status.json, component: API }
          - id: fewer-visitors
            traffic_drop: { source: prom, drop: 40%, baseline: 7d, every: 5m }
          - id: below-fixed
            traffic_drop: { source: plaus, drop: 12.5%, baseline: { fixed: 120 } }
          - id: from-json
            traffic_drop: { source: api, drop: 50%, baseline: 1d }
          - id: replayed
            traffic_drop: { source: replay, drop: 50%, baseline: 1d }
          - id: by-hand
            manual: {}
          - id: hook
            webhook: { path: /hooks/outage, secret: "${env.HOOK_SECRET}" }
        channels:
          mail:
            type: smtp
            host: smtp.example.com
            port: 587
            security: starttls
            username: shop
            password: ${env.SMTP_PASSWORD}
            from: "Shop <hello@shop.example>"
            list_unsubscribe: "mailto:unsubscribe@shop.example"
            concurrency: 4
            rate: 10/s
          sms: { type: twilio, account_sid: AC123, auth_token: "${env.TWILIO_TOKEN}", messaging_service_sid: MG123 }
          hook:
            type: webhook
            url: https://hooks.example.com/in
            secret: s3cret
            headers: { X-Team: ops, Authorization: "Bearer ${env.HOOK_TOKEN}" }
            base_url: http://127.0.0.1:8080
          slack: { type: slack, webhook_url: "${env.SLACK_URL}" }
          discord: { type: discord, webhook_url: https://discord.com/api/webhooks/1/abc }
          telegram: { type: telegram, bot_token: ${env.TG_TOKEN}, chat_id: -1001234567890 }
          mastodon: { type: mastodon, instance: https://mastodon.social, token: "${env.MASTODON}", visibility: unlisted }
          bluesky: { type: bluesky, handle: shop.bsky.social, app_password: "${env.BSKY}", service: https://bsky.social }
          x: { type: x, token: "${env.X_TOKEN}", rate: 50/m }
          meta-ads: { type: meta_ads, ad_account: act_123, access_token: "${env.META}", api_version: v21.0 }
          google-ads: { type: google_ads, customer_id: 123-456-7890, developer_token: "${env.GDT}", access_token: "${env.GAT}", login_customer_id: 1112223333 }
          calendar: { type: calendar, path: content/calendar.csv }
          outbox: { type: file, path: out/outbox.jsonl }
        audience:
          contacts: contacts.csv
          segments:
            vip: "'vip' in contact.tags"
            everyone: true
        templates:
          outage-mail:
            subject: "We're still open"
            text: "Hi {{ contact.name }}"
            html: "<p>Hi {{ contact.name }}</p>"
            locales:
              it: { subject: "Siamo aperti", text: "Ciao {{ contact.name }}" }
              pt-BR: { text: "Olá {{ contact.name }}" }
          short-post:
            text: "Still open: {{ vars.shop_url }}"
        settings:
          quiet_hours: 21:00-08:00
        if: "now.hour >= 0"
        steps:
          - id: warn
            notify: { segment: vip, via: [mail, sms, telegram, hook, outbox], template: outage-mail, mode: all }
            retry: &patient { attempts: 5, backoff: 10s }
          - id: inline
            notify: { segment: everyone, via: [mail], message: { subject: Hello, text: "Hi {{ contact.name }}" } }
            retry: { <<: *patient, attempts: 2 }
          - id: posts
            at: +5m
            post: { to: [x, mastodon, bluesky, slack, discord, telegram], text: "We are open", link: https://shop.example.com, mode: first }
          - id: templated-post
            after: posts
            post: { to: [x], template: short-post }
          - id: pause-all
            pause_ads: { channel: meta-ads, campaigns: all }
          - id: pause-some
            pause_ads: { channel: google-ads, campaigns: [123, "456"] }
          - id: pause-named
            pause_ads: { channel: meta-ads, campaigns: { name_matches: "^Spring" } }
          - id: hold
            reschedule_posts: { channel: calendar, networks: [instagram, facebook, newsletter], window: 24h, shift: 48h }
          - id: call
            webhook: { channel: hook, method: PUT, body: { status: down, platforms: [facebook], count: 3 } }
          - id: call-url
            webhook: { url: "${env.STATUS_URL}", body: "{{ trigger.id }}" }
          - id: pause
            wait: { for: 1h30m }
          - id: note
            after: [pause, call]
            delay: 10m
            if: "steps.call.status == 'succeeded'"
            timeout: 30s
            retry: { attempts: 5, backoff: 10s }
            continue_on_error: true
            log: { message: Waited }
        recovery:
          - id: resume
            resume_ads: { channel: meta-ads }
          - id: resume-some
            resume_ads: { channel: google-ads, campaigns: [123] }
          - id: restore
            restore_posts: { channel: calendar }

        """
}
