package app.ringside.app.contacts

import app.ringside.app.contacts.AddressBookRow.Kind
import app.ringside.core.api.ContactNumber
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class AddressBookCardsTest {
    private fun phone(id: Long, name: String?, number: String?, type: Int? = 2, label: String? = null, lookup: String? = "lk$id") =
        AddressBookRow(id, lookup, name, Kind.PHONE, number, type, label)

    @Test
    fun aContactsRowsBecomeOneCardWithItsNumbersCompanyAndEmails() {
        val cards = AddressBookCards.fromRows(
            listOf(
                phone(7, "Élodie Martin", "+33 6 12 34 56 78"),
                AddressBookRow(7, "lk7", "Élodie Martin", Kind.ORGANIZATION, "Axivox"),
                phone(7, "Élodie Martin", "1002", type = 3),
                AddressBookRow(7, "lk7", "Élodie Martin", Kind.EMAIL, "elodie@example.com"),
            ),
        )
        val card = cards.single()
        assertEquals("lk7", card.uid)
        assertEquals("Élodie Martin", card.name)
        assertEquals("Axivox", card.organization)
        assertEquals(listOf(ContactNumber("+33 6 12 34 56 78", "cell"), ContactNumber("1002", "work")), card.numbers)
        assertEquals(listOf("elodie@example.com"), card.emails)
    }

    @Test
    fun aContactWithoutANumberIsLeftOut() {
        val cards = AddressBookCards.fromRows(listOf(AddressBookRow(1, "lk1", "Mail Only", Kind.EMAIL, "m@example.com"), phone(2, "Bob", "   ")))
        assertTrue(cards.isEmpty())
    }

    @Test
    fun theSameNumberFromTwoSyncedAccountsIsKeptOnce() {
        val cards = AddressBookCards.fromRows(listOf(phone(3, "Bob", "+33 6 12 34 56 78"), phone(3, "Bob", "+33612345678", type = 3)))
        assertEquals(listOf("+33 6 12 34 56 78"), cards.single().numbers.map { it.number })
    }

    @Test
    fun aCustomTypeKeepsTheUsersLabelAndAnUnknownTypeHasNone() {
        val cards = AddressBookCards.fromRows(listOf(phone(4, "Carl", "1003", type = 0, label = "Reception"), phone(4, "Carl", "1004", type = 99)))
        assertEquals(listOf("Reception", null), cards.single().numbers.map { it.label })
    }

    @Test
    fun aNamelessContactIsNamedByItsCompanyElseItsNumber() {
        val cards = AddressBookCards.fromRows(
            listOf(
                phone(5, null, "0612345678"),
                AddressBookRow(5, "lk5", null, Kind.ORGANIZATION, "Plumbing SARL"),
                phone(6, " ", "0698765432"),
            ),
        )
        assertEquals(listOf("0698765432", "Plumbing SARL"), cards.map { it.name })
    }

    @Test
    fun withoutALookupKeyTheUidIsTheProvidersId() {
        assertEquals("android-9", AddressBookCards.fromRows(listOf(phone(9, "Dan", "1009", lookup = null))).single().uid)
    }
}
