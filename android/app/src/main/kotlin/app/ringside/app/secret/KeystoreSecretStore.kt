package app.ringside.app.secret

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import app.ringside.core.api.SecretKind
import app.ringside.core.api.SecretStore
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * Passwords encrypted with an AES-GCM key that never leaves the AndroidKeyStore, stored as
 * `base64(iv):base64(ciphertext)` in app-private preferences (excluded from backups in the
 * manifest: the key cannot move to another device, so a restored ciphertext would be garbage).
 * The core calls [password] from its threads; each call is a local decrypt, no I/O on the UI.
 */
class KeystoreSecretStore(context: Context) : SecretStore {
    private val prefs = context.getSharedPreferences("ringside.secrets", Context.MODE_PRIVATE)

    private fun key(): SecretKey {
        val store = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (store.getEntry(ALIAS, null) as? KeyStore.SecretKeyEntry)?.let { return it.secretKey }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }

    private fun name(kind: SecretKind, account: String) = "${kind.name.lowercase()}:$account"

    override fun password(kind: SecretKind, account: String): String? {
        val stored = prefs.getString(name(kind, account), null) ?: return null
        val (iv, data) = stored.split(':', limit = 2).map { Base64.decode(it, Base64.NO_WRAP) }
        return try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(128, iv))
            String(cipher.doFinal(data), Charsets.UTF_8)
        } catch (e: java.security.GeneralSecurityException) {
            // The key was invalidated (device credential reset): the user types the password again.
            null
        }
    }

    override fun setPassword(kind: SecretKind, account: String, password: String?) {
        if (password == null) {
            prefs.edit().remove(name(kind, account)).apply()
            return
        }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key())
        val data = cipher.doFinal(password.toByteArray(Charsets.UTF_8))
        val stored = Base64.encodeToString(cipher.iv, Base64.NO_WRAP) + ":" + Base64.encodeToString(data, Base64.NO_WRAP)
        prefs.edit().putString(name(kind, account), stored).apply()
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "ringside.secrets.v1"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
    }
}
