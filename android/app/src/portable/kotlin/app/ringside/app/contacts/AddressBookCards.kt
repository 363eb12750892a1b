package app.ringside.app.contacts

import app.ringside.core.api.ContactCard
import app.ringside.core.api.ContactNumber

/**
 * One row of the address book's data table (`ContactsContract.Data`) as the reader copied it
 * out of the cursor: which contact it belongs to, what kind of row it is, and its values.
 * Platform-free, so the mapping below is tested on the JVM without the framework.
 */
data class AddressBookRow(
    val contactId: Long,
    /** `Contacts.LOOKUP_KEY`: survives the provider re-aggregating contacts, unlike the id. */
    val lookupKey: String?,
    /** `Contacts.DISPLAY_NAME_PRIMARY`. */
    val displayName: String?,
    val kind: Kind,
    /** `DATA1`: the number, the address, or the company. */
    val value: String?,
    /** `DATA2`: the phone number's type (`Phone.TYPE_*`). */
    val type: Int? = null,
    /** `DATA3`: the user's own label when the type is `TYPE_CUSTOM`. */
    val label: String? = null,
) {
    enum class Kind { PHONE, EMAIL, ORGANIZATION }
}

/**
 * The address book's rows → the cards the core imports (its bulk import replaces the device
 * source with them). A contact with no number is left out: the phone only needs people it can
 * call or recognise. Numbers stay as typed (the core normalises them once for all cards); the
 * same number twice on one contact (synced from two accounts) is kept once.
 */
object AddressBookCards {
    // ContactsContract.CommonDataKinds.Phone's TYPE_* values (public API constants, stable since
    // API 5), named as the core's vCard import names them.
    private val PHONE_LABELS = mapOf(
        1 to "home", 2 to "cell", 3 to "work", 4 to "fax", 5 to "fax", 6 to "pager", 7 to "other",
        9 to "car", 10 to "work", 12 to "main", 17 to "cell",
    )
    private const val TYPE_CUSTOM = 0

    fun fromRows(rows: Iterable<AddressBookRow>): List<ContactCard> =
        rows.groupBy { it.contactId }.values.mapNotNull(::card).sortedBy { it.name.lowercase() }

    private fun card(rows: List<AddressBookRow>): ContactCard? {
        val numbers = rows.filter { it.kind == AddressBookRow.Kind.PHONE }
            .mapNotNull { row -> row.value?.trim()?.takeIf { it.isNotEmpty() }?.let { ContactNumber(it, label(row)) } }
            .distinctBy { digits(it.number) }
        if (numbers.isEmpty()) return null
        val organization = rows.firstNotNullOfOrNull { r -> r.value?.trim()?.takeIf { r.kind == AddressBookRow.Kind.ORGANIZATION && it.isNotEmpty() } }
        val emails = rows.mapNotNull { r -> r.value?.trim()?.takeIf { r.kind == AddressBookRow.Kind.EMAIL && it.isNotEmpty() } }.distinct()
        val first = rows.first()
        // A contact saved with a number only still needs a name to list: its company, else the number.
        val name = rows.firstNotNullOfOrNull { it.displayName?.trim()?.takeIf(String::isNotEmpty) } ?: organization ?: numbers.first().number
        return ContactCard(first.lookupKey?.takeIf { it.isNotBlank() } ?: "android-${first.contactId}", name, organization, numbers, emails)
    }

    private fun label(row: AddressBookRow): String? = when (row.type) {
        null -> null
        TYPE_CUSTOM -> row.label?.trim()?.takeIf { it.isNotEmpty() }
        else -> PHONE_LABELS[row.type]
    }

    /** `+33 6 12-34` and `+33612 34` are one number; `*97` keeps its star. */
    private fun digits(number: String) = number.filter { it.isDigit() || it == '+' || it == '*' || it == '#' }
}
