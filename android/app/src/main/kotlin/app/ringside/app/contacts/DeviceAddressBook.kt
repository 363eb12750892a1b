package app.ringside.app.contacts

import android.Manifest
import android.content.ContentResolver
import android.content.Context
import android.content.pm.PackageManager
import android.database.ContentObserver
import android.os.Handler
import android.os.Looper
import android.provider.ContactsContract
import android.provider.ContactsContract.CommonDataKinds.Email
import android.provider.ContactsContract.CommonDataKinds.Organization
import android.provider.ContactsContract.CommonDataKinds.Phone
import android.util.Log
import app.ringside.core.api.ContactsService
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The device's address book into the core: reads `ContactsContract.Data` (phones, e-mails,
 * companies) in one query, maps it with [AddressBookCards], and hands the cards to the core's
 * bulk import, which replaces the device source (the company directory stays). [watch] imports
 * again whenever the provider reports a change, coalescing a sync's burst of notifications.
 * Without READ_CONTACTS nothing is read and nothing replaced: caller ID then falls back to the
 * directory.
 */
class DeviceAddressBook(private val context: Context, private val contacts: ContactsService) {
    private val resolver: ContentResolver = context.contentResolver
    private var pending: Job? = null

    fun allowed(): Boolean = context.checkSelfPermission(Manifest.permission.READ_CONTACTS) == PackageManager.PERMISSION_GRANTED

    /** Reads and imports once; returns how many cards the core kept, or null without permission. */
    suspend fun importNow(): Int? {
        if (!allowed()) return null
        val cards = withContext(Dispatchers.IO) { AddressBookCards.fromRows(readRows()) }
        return contacts.importDevice(cards)
    }

    /** Imports now, then after every change of the address book until [scope] ends. */
    fun watch(scope: CoroutineScope) {
        scope.launch { runCatching { importNow() }.onFailure { Log.w(TAG, "address book import failed", it) } }
        val observer = object : ContentObserver(Handler(Looper.getMainLooper())) {
            override fun onChange(selfChange: Boolean) {
                pending?.cancel()
                pending = scope.launch {
                    // An account sync changes many rows, one notification each: import once after.
                    delay(COALESCE_MS)
                    runCatching { importNow() }.onFailure { Log.w(TAG, "address book import failed", it) }
                }
            }
        }
        resolver.registerContentObserver(ContactsContract.Contacts.CONTENT_URI, true, observer)
        scope.coroutineContext[Job]?.invokeOnCompletion { resolver.unregisterContentObserver(observer) }
    }

    private fun readRows(): List<AddressBookRow> {
        val projection = arrayOf(
            ContactsContract.Data.CONTACT_ID, ContactsContract.Data.LOOKUP_KEY, ContactsContract.Data.DISPLAY_NAME_PRIMARY,
            ContactsContract.Data.MIMETYPE, ContactsContract.Data.DATA1, ContactsContract.Data.DATA2, ContactsContract.Data.DATA3,
        )
        val kinds = mapOf(Phone.CONTENT_ITEM_TYPE to AddressBookRow.Kind.PHONE, Email.CONTENT_ITEM_TYPE to AddressBookRow.Kind.EMAIL, Organization.CONTENT_ITEM_TYPE to AddressBookRow.Kind.ORGANIZATION)
        val selection = "${ContactsContract.Data.MIMETYPE} IN (?, ?, ?)"
        val rows = mutableListOf<AddressBookRow>()
        resolver.query(ContactsContract.Data.CONTENT_URI, projection, selection, kinds.keys.toTypedArray(), null)?.use { c ->
            val id = c.getColumnIndexOrThrow(ContactsContract.Data.CONTACT_ID)
            val lookup = c.getColumnIndexOrThrow(ContactsContract.Data.LOOKUP_KEY)
            val name = c.getColumnIndexOrThrow(ContactsContract.Data.DISPLAY_NAME_PRIMARY)
            val mime = c.getColumnIndexOrThrow(ContactsContract.Data.MIMETYPE)
            val data1 = c.getColumnIndexOrThrow(ContactsContract.Data.DATA1)
            val data2 = c.getColumnIndexOrThrow(ContactsContract.Data.DATA2)
            val data3 = c.getColumnIndexOrThrow(ContactsContract.Data.DATA3)
            while (c.moveToNext()) {
                val kind = kinds[c.getString(mime)] ?: continue
                // DATA2 is the phone's type; for e-mails and companies it means something else.
                val type = if (kind == AddressBookRow.Kind.PHONE && !c.isNull(data2)) c.getInt(data2) else null
                val label = if (kind == AddressBookRow.Kind.PHONE) c.getString(data3) else null
                rows += AddressBookRow(c.getLong(id), c.getString(lookup), c.getString(name), kind, c.getString(data1), type, label)
            }
        }
        return rows
    }

    private companion object {
        const val TAG = "Ringside"
        const val COALESCE_MS = 2_000L
    }
}
