package dev.warren.wireguard.uapi;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Serves the cross-platform UAPI on a Unix domain socket, normally {@code /var/run/wireguard/IFACE.sock},
 * so that {@code wg}, {@code wg-quick} and anything else written for wireguard-go can configure the
 * device unchanged.
 *
 * <h2>Socket file</h2>
 * The parent directory is created with mode 0755 if missing (existing directories are left alone). An
 * existing file at the path is replaced only if it is a socket nobody listens on (a probe connection is
 * refused); a live socket or a non-socket file makes {@link #start} fail. The socket is bound inside a
 * private 0700 directory, set to 0600 and then renamed into place, so it never exists at its public path
 * with looser permissions. {@link #close()} deletes it, unless another server has replaced it since.
 *
 * <h2>Threads and limits</h2>
 * One virtual thread accepts; each connection gets its own virtual thread and may carry any number of
 * requests. At most {@value #MAX_CONNECTIONS} connections are served at once (more are closed at once);
 * lines are limited to {@link UapiParser#DEFAULT_MAX_LINE_LENGTH} bytes and requests to
 * {@link UapiParser#DEFAULT_MAX_LINES} lines. A read-write lock makes {@code set} requests exclusive and
 * lets {@code get} requests run together, as wireguard-go's {@code ipcMutex} does.
 */
public final class UapiServer implements AutoCloseable {
    /** Connections served at once. */
    public static final int MAX_CONNECTIONS = 16;

    private static final System.Logger LOG = System.getLogger(UapiServer.class.getName());
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path socketPath;
    private final Object fileKey;
    private final ServerSocketChannel server;
    private final UapiDevice device;
    private final ReadWriteLock deviceLock = new ReentrantReadWriteLock();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;

    private UapiServer(Path socketPath, Object fileKey, ServerSocketChannel server, UapiDevice device) {
        this.socketPath = socketPath;
        this.fileKey = fileKey;
        this.server = server;
        this.device = device;
        this.acceptor = Thread.ofVirtual().name("uapi-accept " + socketPath.getFileName()).unstarted(this::acceptLoop);
    }

    /**
     * Creates the socket at {@code socketPath} and starts serving {@code device}: {@link #bind} then
     * {@link Listener#serve}.
     *
     * @throws IOException if the path is in use by a live server, is not a socket, or cannot be created
     */
    public static UapiServer start(Path socketPath, UapiDevice device) throws IOException {
        Objects.requireNonNull(device, "device");
        return bind(socketPath).serve(device); // (serve closes the listener if it fails)
    }

    /**
     * The first half of {@link #start}: checks that {@code socketPath} is free (or a stale socket) and binds a
     * listening socket in a private directory beside it, without publishing it yet. {@code warren wg} does this
     * while the TUN device is still being created, so that the two overlap; {@link Listener#serve} then moves
     * the socket into place, so it still appears only once the device is ready, as wireguard-go's does.
     *
     * @throws IOException if the path is in use by a live server, is not a socket, or cannot be created
     */
    public static Listener bind(Path socketPath) throws IOException {
        Path path = socketPath.toAbsolutePath().normalize();
        Path parent = path.getParent();
        createDirectories(parent);
        removeIfStale(path);

        Path staging = parent.resolve(".uapi-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path staged = staging.resolve("s");
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(staged));
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
            return new Listener(path, staging, staged, channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(staged);
            Files.deleteIfExists(staging);
            throw e;
        }
    }

    /**
     * A UAPI socket that is bound but not yet published or served (see {@link #bind}). Closing it before
     * {@link #serve} removes the socket and its private directory. Used by one thread.
     */
    public static final class Listener implements AutoCloseable {
        private final Path path;
        private final Path staging;
        private final Path staged;
        private final ServerSocketChannel channel;
        private boolean done;

        private Listener(Path path, Path staging, Path staged, ServerSocketChannel channel) {
            this.path = path;
            this.staging = staging;
            this.staged = staged;
            this.channel = channel;
        }

        /** Moves the socket to its public path and starts serving {@code device}; closes this listener on failure. */
        public UapiServer serve(UapiDevice device) throws IOException {
            Objects.requireNonNull(device, "device");
            if (done) {
                throw new IllegalStateException("UAPI listener already served or closed");
            }
            done = true;
            try {
                Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
                Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                UapiServer s = new UapiServer(path, key, channel, device);
                s.acceptor.start();
                LOG.log(Level.DEBUG, "UAPI listening on {0}", path); // (warren wg logs it at INFO once ready)
                return s;
            } catch (IOException | RuntimeException e) {
                channel.close();
                Files.deleteIfExists(staged);
                throw e;
            } finally {
                Files.deleteIfExists(staging);
            }
        }

        /** Closes the socket and removes it, unless {@link #serve} has already handed it to a server. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
                Files.deleteIfExists(staged);
                Files.deleteIfExists(staging);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not remove the unused UAPI socket " + staged, e);
            }
        }
    }

    /** The socket's path. */
    public Path socketPath() {
        return socketPath;
    }

    /** Stops accepting, closes every connection and deletes the socket file. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing UAPI listener", e);
        }
        for (SocketChannel c : connections) {
            closeQuietly(c);
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            BasicFileAttributes a = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (Objects.equals(a.fileKey(), fileKey)) {
                Files.delete(socketPath);
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not delete UAPI socket " + socketPath, e);
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.log(Level.ERROR, "UAPI accept failed; no longer serving " + socketPath, e);
                }
                return;
            }
            if (!slots.tryAcquire()) {
                LOG.log(Level.WARNING, "UAPI: more than {0} connections, refusing one", MAX_CONNECTIONS);
                closeQuietly(c);
                continue;
            }
            connections.add(c);
            if (closed.get()) { // close() may have missed it
                connections.remove(c);
                closeQuietly(c);
                slots.release();
                return;
            }
            Thread.ofVirtual().name("uapi-conn " + socketPath.getFileName()).start(() -> serve(c));
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            UapiConnection.serve(Channels.newInputStream(c), new BufferedOutputStream(Channels.newOutputStream(c)),
                    device, deviceLock, UapiParser.DEFAULT_MAX_LINE_LENGTH, UapiParser.DEFAULT_MAX_LINES);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "UAPI connection ended: {0}", e.toString());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "UAPI connection failed", e);
        } finally {
            connections.remove(c);
            slots.release();
        }
    }

    /** Creates missing directories down to {@code dir}, each with mode 0755. */
    private static void createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            try {
                Files.createDirectory(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
            }
        }
    }

    /** Deletes {@code path} if it is a socket nobody listens on; fails if it is live or not a socket. */
    private static void removeIfStale(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket; not replacing it");
        }
        SocketChannel probe;
        try {
            probe = SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            LOG.log(Level.INFO, "replacing stale UAPI socket {0}", path);
            Files.deleteIfExists(path);
            return;
        }
        closeQuietly(probe);
        throw new IOException("UAPI socket " + path + " is in use by another process");
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing UAPI connection", e);
        }
    }
}
