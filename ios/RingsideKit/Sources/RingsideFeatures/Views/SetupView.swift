import AVFoundation
import SwiftUI
import RingsideKit

/// Account setup: the four SIP values by hand, or a provisioning link pasted or scanned as a QR code.
struct SetupView: View {
    @StateObject var model: SetupViewModel
    let registrations: [AccountInfo]
    @Binding var pending: String?
    let done: () -> Void
    @State private var scanning = false
    /// A provisioning link pasted by hand (a mailed one the system did not open for us).
    @State private var link = ""

    init(model: SetupViewModel, registrations: [AccountInfo], pending: Binding<String?>, done: @escaping () -> Void) {
        _model = StateObject(wrappedValue: model)
        self.registrations = registrations
        _pending = pending
        self.done = done
    }

    /// A link the app was opened with fills the form once.
    private func applyPending() {
        guard let link = pending else { return }
        pending = nil
        model.applyProvisioning(link)
    }

    var body: some View {
        NavigationStack {
            Form {
                Section("SIP identifiers") {
                    TextField("SIP username (extension)", text: $model.username)
                        .textContentType(.username).keyboardType(.asciiCapable).accessibilityIdentifier("setup.username")
                    TextField("Domain", text: $model.domain)
                        .keyboardType(.URL).accessibilityIdentifier("setup.domain")
                    SecureField("SIP password", text: $model.password)
                        .textContentType(.password).accessibilityIdentifier("setup.password")
                    TextField("Proxy (optional)", text: $model.proxy)
                        .keyboardType(.URL).accessibilityIdentifier("setup.proxy")
                    TextField("Display name (optional)", text: $model.displayName)
                }
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                Section("Or the link or QR code your administrator sent") {
                    TextField("ringside: or https link", text: $link)
                        .keyboardType(.URL).accessibilityIdentifier("setup.link")
                    Button("Use link") { model.applyProvisioning(link) }
                        .disabled(link.trimmingCharacters(in: .whitespaces).isEmpty)
                        .accessibilityIdentifier("setup.applyLink")
                    Button("Scan a provisioning QR code") { scanning = true }
                        .accessibilityIdentifier("setup.scan")
                }
                if let error = model.error {
                    Section { Text(error).foregroundStyle(.red).accessibilityIdentifier("setup.error") }
                }
                if !registrations.isEmpty {
                    Section("Status") {
                        ForEach(registrations, id: \.key) { info in
                            LabeledContent(info.key, value: CallText.registration(info.state))
                                .accessibilityIdentifier("setup.status")
                        }
                    }
                }
            }
            .navigationTitle("Account")
            .onAppear(perform: applyPending)
            .onChange(of: pending) { applyPending() }
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") { Task { await model.save() } }
                        .disabled(!model.canSave).accessibilityIdentifier("setup.save")
                }
                ToolbarItem(placement: .cancellationAction) {
                    if registrations.contains(where: { CallText.isRegistered($0.state) }) {
                        Button("Done", action: done).accessibilityIdentifier("setup.done")
                    }
                }
            }
            .sheet(isPresented: $scanning) {
                QRScannerView { text in
                    scanning = false
                    model.applyProvisioning(text)
                }
                .ignoresSafeArea()
            }
        }
    }
}

/// The camera with a QR metadata output; calls `found` once with the first code's text.
struct QRScannerView: UIViewControllerRepresentable {
    let found: (String) -> Void

    func makeUIViewController(context: Context) -> QRScannerController {
        QRScannerController(found: found)
    }

    func updateUIViewController(_ controller: QRScannerController, context: Context) {}
}

final class QRScannerController: UIViewController, AVCaptureMetadataOutputObjectsDelegate {
    private let session = AVCaptureSession()
    private let found: (String) -> Void
    private var reported = false

    init(found: @escaping (String) -> Void) {
        self.found = found
        super.init(nibName: nil, bundle: nil)
    }

    required init?(coder: NSCoder) {
        fatalError("QRScannerController is made in code")
    }

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        guard let camera = AVCaptureDevice.default(for: .video),
              let input = try? AVCaptureDeviceInput(device: camera),
              session.canAddInput(input)
        else { return }
        session.addInput(input)
        let output = AVCaptureMetadataOutput()
        guard session.canAddOutput(output) else { return }
        session.addOutput(output)
        output.setMetadataObjectsDelegate(self, queue: .main)
        output.metadataObjectTypes = [.qr]
        let preview = AVCaptureVideoPreviewLayer(session: session)
        preview.frame = view.layer.bounds
        preview.videoGravity = .resizeAspectFill
        view.layer.addSublayer(preview)
    }

    override func viewWillAppear(_ animated: Bool) {
        super.viewWillAppear(animated)
        let session = self.session
        // startRunning blocks until the camera is up: not on the main thread.
        DispatchQueue.global(qos: .userInitiated).async { session.startRunning() }
    }

    override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        session.stopRunning()
    }

    func metadataOutput(_ output: AVCaptureMetadataOutput, didOutput metadataObjects: [AVMetadataObject], from connection: AVCaptureConnection) {
        guard !reported,
              let code = metadataObjects.first as? AVMetadataMachineReadableCodeObject,
              let text = code.stringValue
        else { return }
        reported = true
        found(text)
    }
}
