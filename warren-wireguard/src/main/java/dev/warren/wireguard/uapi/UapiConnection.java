package dev.warren.wireguard.uapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * The request loop of one UAPI connection, apart from sockets so tests and fuzzers can drive it with
 * byte streams.
 *
 * <p>Flow: 1. parse the next request (a whole set transaction, validated) 2. get: snapshot the state
 * under the shared lock and write it; set: apply it under the exclusive lock, which is the only place
 * {@link UapiDevice#apply} is ever called 3. answer {@code errno=N} 4. repeat until the client closes,
 * or until an error leaves the stream out of sync (then answer and close, as wireguard-go closes).
 *
 * <p>A request the parser rejects never reaches the device. A {@link RuntimeException} from the device
 * is answered with {@link UapiException#ENOANO}, like wireguard-go's "other UAPI error", and logged; it
 * does not end the connection.
 */
final class UapiConnection {
    private static final System.Logger LOG = System.getLogger(UapiConnection.class.getName());

    private UapiConnection() {
    }

    /** Serves requests from {@code in} until it ends or goes out of sync. */
    static void serve(InputStream in, OutputStream out, UapiDevice device, ReadWriteLock lock,
                      int maxLineLength, int maxLines) throws IOException {
        UapiParser parser = new UapiParser(in, maxLineLength, maxLines);
        while (true) {
            UapiRequest request;
            try {
                request = parser.next();
            } catch (UapiException e) {
                LOG.log(Level.WARNING, "UAPI request rejected (errno {0}): {1}", e.errno(), e.getMessage());
                write(out, UapiWriter.formatErrno(e.errno()));
                if (!parser.inSync()) {
                    return;
                }
                continue;
            }
            if (request == null) {
                return;
            }
            write(out, switch (request) {
                case UapiRequest.Get _ -> get(device, lock);
                case UapiRequest.Set(SetRequest set) -> set(device, lock, set);
            });
        }
    }

    private static String get(UapiDevice device, ReadWriteLock lock) {
        lock.readLock().lock();
        try {
            return UapiWriter.formatGetResponse(device.state());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "UAPI get failed inside the device", e);
            return UapiWriter.formatErrno(UapiException.ENOANO);
        } finally {
            lock.readLock().unlock();
        }
    }

    private static String set(UapiDevice device, ReadWriteLock lock, SetRequest request) {
        lock.writeLock().lock();
        try {
            device.apply(request);
            return UapiWriter.formatErrno(0);
        } catch (UapiException e) {
            LOG.log(Level.WARNING, "UAPI set refused by the device (errno {0}): {1}", e.errno(), e.getMessage());
            return UapiWriter.formatErrno(e.errno());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "UAPI set failed inside the device", e);
            return UapiWriter.formatErrno(UapiException.ENOANO);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static void write(OutputStream out, String response) throws IOException {
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
