import SwiftUI
import RingsideKit

struct ContactsView: View {
    @StateObject var model: ContactsViewModel

    init(model: ContactsViewModel) {
        _model = StateObject(wrappedValue: model)
    }

    var body: some View {
        NavigationStack {
            List {
                if let status = model.status {
                    Text(status).font(.footnote).foregroundStyle(.secondary)
                }
                ForEach(model.contacts, id: \.id) { contact in
                    Section {
                        ForEach(contact.numbers, id: \.number) { number in
                            Button { Task { await model.call(number) } } label: {
                                LabeledContent(number.label ?? "phone", value: number.number)
                            }
                        }
                    } header: {
                        Text(contact.organization.map { "\(contact.name) · \($0)" } ?? contact.name)
                    }
                }
            }
            .searchable(text: $model.query)
            .onChange(of: model.query) { Task { await model.search() } }
            .task { await model.search() }
            .refreshable { await model.syncDirectory() }
            .navigationTitle("Contacts")
            .toolbar {
                Menu {
                    Button("Import the address book") { Task { await model.importDevice() } }
                    Button("Sync the company directory") { Task { await model.syncDirectory() } }
                } label: { Image(systemName: "arrow.triangle.2.circlepath") }
            }
        }
    }
}

struct HistoryView: View {
    @StateObject var model: HistoryViewModel

    init(model: HistoryViewModel) {
        _model = StateObject(wrappedValue: model)
    }

    var body: some View {
        NavigationStack {
            List {
                if !model.unseenMissed.isEmpty {
                    Section("Missed") {
                        ForEach(model.unseenMissed, id: \.call) { row($0) }
                        Button("Mark as seen") { Task { await model.markSeen() } }
                            .accessibilityIdentifier("history.markSeen")
                    }
                }
                Section(model.unseenMissed.isEmpty ? "" : "Earlier") {
                    ForEach(model.rest, id: \.call) { row($0) }
                }
            }
            .navigationTitle("Recents")
            .toolbar {
                Picker("Show", selection: $model.missedOnly) {
                    Text("All").tag(false)
                    Text("Missed").tag(true)
                }
                .pickerStyle(.segmented)
                .accessibilityIdentifier("history.filter")
            }
            .onAppear { model.start() }
            .onDisappear { model.stop() }
        }
    }

    private func row(_ entry: CallLogEntry) -> some View {
        Button { Task { await model.callBack(entry) } } label: {
            HStack {
                Image(systemName: entry.direction == .incoming ? "phone.arrow.down.left" : "phone.arrow.up.right")
                VStack(alignment: .leading) {
                    Text(model.title(entry)).foregroundStyle(entry.missed ? .red : .primary)
                    Text(model.outcome(entry)).font(.caption).foregroundStyle(.secondary)
                        .accessibilityIdentifier("history.outcome")
                }
                Spacer()
                VStack(alignment: .trailing) {
                    Text(CallText.date(ms: entry.startedMs)).font(.caption)
                    Text(CallText.duration(ms: entry.talkMs)).font(.caption2).foregroundStyle(.secondary)
                }
            }
        }
    }
}

struct VoicemailView: View {
    @StateObject var model: VoicemailViewModel

    init(model: VoicemailViewModel) {
        _model = StateObject(wrappedValue: model)
    }

    var body: some View {
        NavigationStack {
            List {
                if let status = model.status {
                    Text(status).font(.footnote).foregroundStyle(.secondary)
                }
                ForEach(model.messages, id: \.id) { message in
                    HStack {
                        Circle().fill(message.heard ? Color.clear : Color.blue).frame(width: 8, height: 8)
                        VStack(alignment: .leading) {
                            Text(message.callerName ?? message.caller).fontWeight(message.heard ? .regular : .bold)
                            Text("\(CallText.date(ms: message.receivedMs))  \(CallText.duration(ms: message.durationMs))")
                                .font(.caption).foregroundStyle(.secondary)
                        }
                        Spacer()
                        Button { Task { await model.play(message.id) } } label: {
                            Image(systemName: model.playing == message.id ? "stop.fill" : "play.fill")
                        }
                        .buttonStyle(.borderless)
                    }
                    .swipeActions {
                        Button("Delete", role: .destructive) { Task { await model.delete(message.id) } }
                        Button(message.heard ? "Unheard" : "Heard") { Task { await model.toggleHeard(message.id) } }
                    }
                }
            }
            .navigationTitle("Voicemail")
            .task { await model.load() }
            .refreshable { await model.sync() }
        }
    }
}

struct SettingsView: View {
    @StateObject var model: SettingsViewModel
    let registrations: [AccountInfo]
    /// Opens the setup form for one more account.
    let addAccount: () -> Void

    init(model: SettingsViewModel, registrations: [AccountInfo], addAccount: @escaping () -> Void) {
        _model = StateObject(wrappedValue: model)
        self.registrations = registrations
        self.addAccount = addAccount
    }

    var body: some View {
        NavigationStack {
            Form {
                Section("Accounts") {
                    ForEach(model.accounts, id: \.key) { account in
                        LabeledContent(account.key, value: registrations.first { $0.key == account.key }.map { CallText.registration($0.state) } ?? "")
                            .swipeActions { Button("Remove", role: .destructive) { Task { await model.remove(account) } } }
                    }
                    Button("Add an account", action: addAccount).accessibilityIdentifier("settings.addAccount")
                }
                Section("Calls") {
                    Picker("Media encryption (SRTP)", selection: $model.srtp) {
                        ForEach(SrtpSetting.allCases, id: \.self) { Text($0.rawValue.capitalized).tag($0) }
                    }
                    Toggle("Busy when in a call", isOn: $model.busyWhenInCall)
                    TextField("Default region (FR)", text: $model.defaultRegion)
                }
                Section("Company directory (CardDAV)") {
                    TextField("Address book URL", text: $model.directoryUrl).keyboardType(.URL)
                    TextField("Username", text: $model.directoryUser)
                    SecureField("Password", text: $model.directoryPassword)
                }
                Section("Voicemail mailbox (IMAP)") {
                    TextField("imaps://host:993", text: $model.voicemailUrl).keyboardType(.URL)
                    TextField("Username", text: $model.voicemailUser)
                    TextField("Folder", text: $model.voicemailFolder)
                    SecureField("Password", text: $model.voicemailPassword)
                }
                .textInputAutocapitalization(.never)
                if let status = model.status {
                    Text(status).foregroundStyle(.secondary)
                }
                #if DEBUG
                DebugPushSection()
                #endif
            }
            .navigationTitle("Settings")
            .toolbar { Button("Save") { Task { await model.save() } } }
            .onChange(of: registrations.map(\.key)) { model.reloadAccounts() }
        }
    }
}

#if DEBUG
/// Debug builds only: paste a push payload and it goes through the same handler as a real
/// VoIP push (QA: docs/qa.md).
struct DebugPushSection: View {
    @State private var payload = #"{"type":"call","call-id":"qa-1","from-uri":"sip:1002@pbx.example.com","display-name":"QA","send-time":0}"#

    var body: some View {
        Section("Debug: inject a VoIP push") {
            TextField("JSON payload", text: $payload, axis: .vertical).font(.caption.monospaced())
            Button("Deliver") { DebugPush.deliver(Data(payload.utf8)) }
        }
    }
}
#endif

/// The seam the app wires the debug push into (the same handler PushKit calls).
public enum DebugPush {
    @MainActor public static var handler: ((Data) -> Void)?

    @MainActor public static func deliver(_ payload: Data) {
        handler?(payload)
    }
}
