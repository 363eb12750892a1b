import SwiftUI
import RingsideKit

struct DialerView: View {
    @StateObject var model: DialerViewModel
    let registration: String
    let registered: Bool

    init(model: DialerViewModel, registration: String, registered: Bool) {
        _model = StateObject(wrappedValue: model)
        self.registration = registration
        self.registered = registered
    }

    var body: some View {
        VStack(spacing: 12) {
            Label(registration, systemImage: registered ? "checkmark.circle.fill" : "exclamationmark.circle")
                .foregroundStyle(registered ? .green : .orange)
                .font(.footnote)
                .accessibilityIdentifier("registration.status")
            TextField("Number or name", text: $model.entry)
                .font(.largeTitle)
                .multilineTextAlignment(.center)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                .accessibilityIdentifier("dialer.entry")
            List(model.suggestions, id: \.id) { contact in
                ForEach(contact.numbers, id: \.number) { number in
                    Button { model.pick(contact, number: number) } label: {
                        VStack(alignment: .leading) {
                            Text(contact.name)
                            Text([number.label, number.number].compactMap { $0 }.joined(separator: " · "))
                                .font(.caption).foregroundStyle(.secondary)
                        }
                    }
                }
            }
            .listStyle(.plain)
            .frame(maxHeight: model.suggestions.isEmpty ? 0 : 160)
            KeypadGrid { model.press($0) }
            HStack(spacing: 40) {
                Button { Task { await model.dial() } } label: {
                    Image(systemName: "phone.fill").font(.title).padding(22).background(Circle().fill(.green)).foregroundStyle(.white)
                }
                .accessibilityLabel("Call")
                .accessibilityIdentifier("dialer.call")
                Button { model.deleteLast() } label: { Image(systemName: "delete.left").font(.title2) }
                    .accessibilityLabel("Delete")
            }
            if let error = model.error {
                Text(error).foregroundStyle(.red).font(.footnote)
            }
        }
        .padding()
    }
}

/// The twelve keys; `press` gets the key's character.
struct KeypadGrid: View {
    let press: (String) -> Void
    private let rows = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["*", "0", "#"]]

    var body: some View {
        Grid(horizontalSpacing: 24, verticalSpacing: 14) {
            ForEach(rows, id: \.self) { row in
                GridRow {
                    ForEach(row, id: \.self) { key in
                        Button { press(key) } label: {
                            Text(key).font(.title).frame(width: 64, height: 64).background(Circle().fill(.quaternary))
                        }
                        .accessibilityIdentifier("key.\(key)")
                    }
                }
            }
        }
    }
}
