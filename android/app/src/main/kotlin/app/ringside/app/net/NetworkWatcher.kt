package app.ringside.app.net

import android.content.Context
import android.net.ConnectivityManager
import android.net.LinkProperties
import android.net.Network

/**
 * Tells the core when the default network changes (Wi-Fi to mobile data, a new address): it
 * re-registers and re-INVITEs its calls. Only real changes count: a callback that repeats the
 * same network and addresses would make the core re-register for nothing.
 */
class NetworkWatcher(context: Context, private val onChange: () -> Unit) {
    private val connectivity = context.getSystemService(ConnectivityManager::class.java)
    @Volatile private var last: Pair<Network?, List<String>>? = null

    private val callback = object : ConnectivityManager.NetworkCallback() {
        override fun onAvailable(network: Network) = changed(network, connectivity.getLinkProperties(network))
        override fun onLinkPropertiesChanged(network: Network, lp: LinkProperties) = changed(network, lp)
        override fun onLost(network: Network) = changed(null, null)
    }

    private fun changed(network: Network?, lp: LinkProperties?) {
        val now = network to (lp?.linkAddresses?.map { it.address.hostAddress ?: "" }?.sorted() ?: emptyList())
        if (now == last) return
        val first = last == null
        last = now
        // The first callback reports the network the core started on.
        if (!first) onChange()
    }

    fun start() {
        connectivity.registerDefaultNetworkCallback(callback)
    }

    fun stop() = connectivity.unregisterNetworkCallback(callback)
}
