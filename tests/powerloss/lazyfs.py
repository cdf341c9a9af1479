#!/usr/bin/python3
"""A FUSE passthrough filesystem that forgets what was not synced, for the
power-loss tests (tests/powerloss/). In the spirit of LazyFS.

    lazyfs.py BACKING MOUNTPOINT IMAGE [CUT_AT]

Every operation goes straight to BACKING, so processes on MOUNTPOINT see
what they would see in the page cache. Beside it, the filesystem keeps the
*durable* state, which only these events change:

  - fsync or fdatasync of a file makes its current data (and mode) durable,
    keyed by inode: data written and never synced is lost at a cut, even
    when the file's name survives (it then comes back empty);
  - fsync of a directory makes its current entries durable: a create, a
    rename, a link or an unlink is lost at a cut unless the directory that
    holds it was synced afterwards.

Everything BACKING held at mount time is durable. That is the contract the
tests hold the engine to; a real disk may keep more, never less.

A cut happens at the CUT_AT-th durable event (that event applied, then its
caller blocked forever: it dies before its fsync returns), or when anything
looks up the control name /.powercut (the harness, right after a child's
acknowledgement). Either way nothing later becomes durable: the durable
state is written to IMAGE as a directory tree, "cut" is printed, and later
syncs block. Looking up /.powercut at the end of an uncut run gives the
image of everything synced. Each durable event is counted, and the count
printed as "events N" on every one, so an uncut run tells how many cut
points a scenario has.
"""

import errno
import os
import sys
import threading

import fusepy

CONTROL = "/.powercut"
lock = threading.RLock()
cut_event = threading.Event()


class Durable:
    """The durable state: file data by inode, directory entries by inode."""

    def __init__(self, root):
        self.root_ino = os.lstat(root).st_ino
        self.data = {}
        self.modes = {}
        self.dirs = {}
        self.events = 0
        for path, _, _ in os.walk(root):
            self.sync_dir(path)
            for name in os.listdir(path):
                full = os.path.join(path, name)
                if os.path.isfile(full) and not os.path.islink(full):
                    self.sync_file(full)

    def sync_file(self, path):
        info = os.lstat(path)
        with open(path, "rb") as handle:
            self.data[info.st_ino] = handle.read()
        self.modes[info.st_ino] = info.st_mode & 0o7777

    def sync_dir(self, path):
        entries = {}
        for name in os.listdir(path):
            info = os.lstat(os.path.join(path, name))
            entries[name] = (info.st_ino, os.path.isdir(os.path.join(path, name)))
            self.modes.setdefault(info.st_ino, info.st_mode & 0o7777)
        self.dirs[os.lstat(path).st_ino] = entries

    def write_image(self, image, ino=None):
        ino = self.root_ino if ino is None else ino
        os.makedirs(image, exist_ok=True)
        for name, (child, is_dir) in self.dirs.get(ino, {}).items():
            target = os.path.join(image, name)
            if is_dir:
                self.write_image(target, child)
                os.chmod(target, self.modes.get(child, 0o700))
            else:
                with open(target, "wb") as handle:
                    handle.write(self.data.get(child, b""))
                os.chmod(target, self.modes.get(child, 0o600))


class LazyFS(fusepy.Operations):
    def __init__(self, backing, image, cut_at):
        self.backing = os.path.realpath(backing)
        self.image = image
        self.cut_at = cut_at
        self.durable = Durable(self.backing)

    def full(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def cut(self):
        """Freezes the durable state and writes it out, once."""
        with lock:
            if cut_event.is_set():
                return
            self.durable.write_image(self.image)
            cut_event.set()
        print("cut", flush=True)

    def durable_event(self, apply):
        with lock:
            if cut_event.is_set():
                blocked = True
            else:
                apply()
                self.durable.events += 1
                print(f"events {self.durable.events}", flush=True)
                blocked = self.durable.events == self.cut_at
                if blocked:
                    self.cut()
        if blocked or cut_event.is_set():
            threading.Event().wait()
        return 0

    def init(self, path):
        print("mounted", flush=True)

    # Durable events.
    def fsync(self, path, datasync, fh):
        os.fsync(fh)
        return self.durable_event(lambda: self.durable.sync_file(self.full(path)))

    def fsyncdir(self, path, datasync, fh):
        return self.durable_event(lambda: self.durable.sync_dir(self.full(path)))

    # Passthrough.
    def access(self, path, mode):
        if not os.access(self.full(path), mode):
            raise fusepy.FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        return os.chmod(self.full(path), mode)

    def chown(self, path, uid, gid):
        return os.chown(self.full(path), uid, gid)

    def create(self, path, mode, fi=None):
        # Read and write: the kernel reads through this handle for mmap.
        return os.open(self.full(path), os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)

    def flush(self, path, fh):
        return 0

    def getattr(self, path, fh=None):
        if path == CONTROL:
            self.cut()
            raise fusepy.FuseOSError(errno.ENOENT)
        info = os.lstat(self.full(path))
        keys = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime",
                "st_nlink", "st_size", "st_uid", "st_ino")
        return {key: getattr(info, key) for key in keys}

    def link(self, target, source):
        return os.link(self.full(source), self.full(target))

    def mkdir(self, path, mode):
        return os.mkdir(self.full(path), mode)

    def mknod(self, path, mode, dev):
        return os.mknod(self.full(path), mode, dev)

    def open(self, path, flags):
        return os.open(self.full(path), flags)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self.full(path))

    def readlink(self, path):
        return os.readlink(self.full(path))

    def release(self, path, fh):
        return os.close(fh)

    def rename(self, old, new):
        return os.rename(self.full(old), self.full(new))

    def rmdir(self, path):
        return os.rmdir(self.full(path))

    def statfs(self, path):
        info = os.statvfs(self.full(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
                "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")
        return {key: getattr(info, key) for key in keys}

    def symlink(self, target, source):
        return os.symlink(source, self.full(target))

    def truncate(self, path, length, fh=None):
        if fh is not None:
            return os.ftruncate(fh, length)
        with open(self.full(path), "r+b") as handle:
            handle.truncate(length)

    def unlink(self, path):
        return os.unlink(self.full(path))

    def utimens(self, path, times=None):
        return os.utime(self.full(path), times)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)


def main():
    backing, mountpoint, image = sys.argv[1:4]
    cut_at = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    fusepy.FUSE(LazyFS(backing, image, cut_at), mountpoint, foreground=True,
                nothreads=False, use_ino=True, default_permissions=True,
                attr_timeout=0, entry_timeout=0, negative_timeout=0)


main()
