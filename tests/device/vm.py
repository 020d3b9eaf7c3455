"""The guest machine of the device rig: QEMU with its QMP monitor and the QEMU guest agent.

QEMU runs under TCG (this kind of host's /dev/kvm cannot run stock kernels). The guest has:
  - virtio-gpu at 1280x800 (the kiosk's DRM output; QMP screendump reads it back),
  - virtio-multitouch (a direct-touch screen for libinput; QMP input-send-event drives it),
  - two virtio NICs joined by a QEMU hub and nothing else: "term-eth" is the terminal's dock
    port, "shop-eth" is moved by the guest into the shop's namespace. No packet leaves QEMU.
  - a virtio-serial port for the guest agent, through which the host runs commands,
  - a 9p share for binaries, the layer's files, screendumps and logs,
  - a qcow2 overlay over the cached base image, kept across a hard power-off.
"""
import base64
import json
import os
import socket
import subprocess
import time

SCREEN = (1280, 800)
ABS_MAX = 0x7FFF  # QEMU's absolute input range
TERMINAL_NIC = 'term-eth'
TERMINAL_MAC = '52:54:00:c0:ff:01'
SHOP_MAC = '52:54:00:c0:ff:02'


class RigError(Exception):
    pass


class JsonSocket:
    """One line-delimited JSON connection (QMP or the guest agent)."""

    def __init__(self, path, timeout):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise RigError('cannot connect to %s' % path)
                time.sleep(0.1)
        self.file = self.sock.makefile('rwb')

    def send(self, message):
        self.file.write(json.dumps(message).encode() + b'\n')
        self.file.flush()

    def receive(self, timeout):
        self.sock.settimeout(timeout)
        while True:
            line = self.file.readline()
            if not line:
                raise RigError('connection closed')
            message = json.loads(line)
            if 'event' not in message:
                return message

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Qmp(JsonSocket):
    def __init__(self, path):
        super().__init__(path, 30)
        self.receive(30)  # greeting
        self.cmd('qmp_capabilities')

    def cmd(self, command, **arguments):
        request = {'execute': command}
        if arguments:
            request['arguments'] = arguments
        self.send(request)
        answer = self.receive(120)
        if 'error' in answer:
            raise RigError('QMP %s: %s' % (command, answer['error']))
        return answer.get('return')


class Agent:
    """The QEMU guest agent: run a command in the guest and wait for its output."""

    def __init__(self, path):
        self.path = path
        self.conn = None

    def connect(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self.conn = JsonSocket(self.path, 5)
                # guest-sync flushes whatever an earlier client left half-read.
                token = int(time.time()) % 100000
                self.conn.send({'execute': 'guest-sync', 'arguments': {'id': token}})
                while self.conn.receive(5).get('return') != token:
                    pass
                return
            except (RigError, OSError, socket.timeout, ValueError):
                if self.conn:
                    self.conn.close()
                self.conn = None
                time.sleep(1)
        raise RigError('the guest agent did not answer in %ds' % timeout)

    def call(self, name, timeout=60, **arguments):
        request = {'execute': name}
        if arguments:
            request['arguments'] = arguments
        self.conn.send(request)
        answer = self.conn.receive(timeout)
        if 'error' in answer:
            raise RigError('guest agent %s: %s' % (name, answer['error']))
        return answer.get('return')

    def spawn(self, script):
        """Starts `bash -c script` in the guest; returns its pid."""
        return self.call('guest-exec', path='/bin/bash', arg=['-c', script], **{'capture-output': True})['pid']

    def status(self, pid):
        state = self.call('guest-exec-status', pid=pid)
        if not state.get('exited'):
            return None
        decode = lambda key: base64.b64decode(state.get(key, '')).decode('utf-8', 'replace')
        return state.get('exitcode', -1), decode('out-data') + decode('err-data')

    def run(self, script, timeout=120):
        """Runs `bash -c script`; returns (exit code, stdout + stderr)."""
        pid = self.spawn(script)
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = self.status(pid)
            if done is not None:
                return done
            time.sleep(0.2)
        raise RigError('guest command timed out after %ds: %s' % (timeout, script[:200]))


class Machine:
    def __init__(self, image_dir, run_dir, share_dir, mem=1536):
        self.image_dir = image_dir
        self.run_dir = run_dir
        self.share_dir = share_dir
        self.mem = mem
        self.overlay = os.path.join(run_dir, 'disk.qcow2')
        self.qemu = None
        self.qmp = None
        self.agent = None
        self.boots = 0

    def create_disk(self):
        """A fresh writable disk over the cached base image (the base stays pristine)."""
        base = os.path.join(self.image_dir, 'rootfs.img')
        if os.path.exists(self.overlay):
            os.remove(self.overlay)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, self.overlay],
                       check=True)

    def start(self):
        self.boots += 1
        console = os.path.join(self.run_dir, 'console-%d.log' % self.boots)
        qmp_path = os.path.join(self.run_dir, 'qmp.sock')
        qga_path = os.path.join(self.run_dir, 'qga.sock')
        for path in (qmp_path, qga_path):
            if os.path.exists(path):
                os.remove(path)
        append = 'root=/dev/vda rw console=ttyS0,115200 loglevel=4 net.ifnames=1 systemd.show_status=0'
        cmd = ['qemu-system-x86_64', '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max',
               '-m', str(self.mem), '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none',
               '-kernel', os.path.join(self.image_dir, 'vmlinuz'),
               '-initrd', os.path.join(self.image_dir, 'initrd.img'), '-append', append,
               '-drive', 'file=%s,format=qcow2,if=virtio,cache=writeback' % self.overlay,
               '-device', 'virtio-gpu-pci,xres=%d,yres=%d' % SCREEN,
               '-device', 'virtio-multitouch-pci,id=touch',
               '-netdev', 'hubport,id=lan-terminal,hubid=0',
               '-device', 'virtio-net-pci,netdev=lan-terminal,id=%s,mac=%s' % (TERMINAL_NIC, TERMINAL_MAC),
               '-netdev', 'hubport,id=lan-shop,hubid=0',
               '-device', 'virtio-net-pci,netdev=lan-shop,id=shop-eth,mac=%s' % SHOP_MAC,
               '-device', 'virtio-rng-pci',
               '-device', 'virtio-serial-pci',
               '-chardev', 'socket,path=%s,server=on,wait=off,id=qga0' % qga_path,
               '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
               '-virtfs', 'local,path=%s,mount_tag=rig,security_model=none,id=rig' % self.share_dir,
               '-serial', 'file:' + console,
               '-qmp', 'unix:%s,server=on,wait=off' % qmp_path]
        with open(os.path.join(self.run_dir, 'qemu-cmd.txt'), 'w') as f:
            f.write(' '.join(cmd) + '\n')
        self.started_at = time.time()
        self.console = console
        self.qemu = subprocess.Popen(cmd, stdout=open(os.path.join(self.run_dir, 'qemu-%d.log' % self.boots), 'w'),
                                     stderr=subprocess.STDOUT)
        self.qmp = Qmp(qmp_path)
        self.agent = Agent(qga_path)

    def wait_for_agent(self, timeout=240):
        self.agent.connect(timeout)

    def power_cut(self):
        """Pull the plug: QMP quit, no shutdown in the guest."""
        try:
            self.qmp.cmd('quit')
        except RigError:
            pass
        self._reap()

    def shutdown(self):
        if self.qemu and self.qemu.poll() is None:
            try:
                self.agent.call('guest-shutdown', mode='powerdown')
            except Exception:
                pass
            try:
                self.qemu.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.power_cut()
        self._reap()

    def _reap(self):
        if self.qemu:
            try:
                self.qemu.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.qemu.kill()
                self.qemu.wait()
        for conn in (self.qmp, self.agent.conn if self.agent else None):
            if conn:
                conn.close()

    # --- the display -------------------------------------------------------------------------
    def screendump(self, path_png):
        """The DRM output as the shopper sees it, as RGB rows (and saved as PNG)."""
        ppm = path_png[:-4] + '.ppm'
        self.qmp.cmd('screendump', filename=ppm)
        image = read_ppm(ppm)
        os.remove(ppm)
        write_png(path_png, image)
        return image

    # --- touch ---------------------------------------------------------------------------------
    def _mtt(self, kind, slot, tracking_id, axis='x', value=0):
        return {'type': 'mtt', 'data': {'type': kind, 'slot': slot, 'tracking-id': tracking_id,
                                        'axis': axis, 'value': value}}

    def _position(self, x, y, tracking_id):
        ax = round(x * ABS_MAX / (SCREEN[0] - 1))
        ay = round(y * ABS_MAX / (SCREEN[1] - 1))
        return [self._mtt('data', 0, tracking_id, 'x', ax), self._mtt('data', 0, tracking_id, 'y', ay)]

    def touch_path(self, points, step_delay=0.03):
        """One finger down at the first point, through the others, up at the last."""
        self.tracking = getattr(self, 'tracking', 0) + 1
        tid = self.tracking
        first = points[0]
        self.qmp.cmd('input-send-event', events=[
            self._mtt('begin', 0, tid), *self._position(*first, tid),
            {'type': 'btn', 'data': {'down': True, 'button': 'touch'}}])
        for point in points[1:]:
            time.sleep(step_delay)
            self.qmp.cmd('input-send-event', events=self._position(*point, tid))
        time.sleep(step_delay)
        self.qmp.cmd('input-send-event', events=[
            self._mtt('end', 0, -1), {'type': 'btn', 'data': {'down': False, 'button': 'touch'}}])

    def tap(self, x, y):
        self.touch_path([(x, y), (x, y)], step_delay=0.08)

    def swipe(self, start, end, steps=12):
        (x0, y0), (x1, y1) = start, end
        points = [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps + 1)]
        self.touch_path(points)

    # --- the cable -----------------------------------------------------------------------------
    def set_cable(self, plugged):
        self.qmp.cmd('set_link', name=TERMINAL_NIC, up=plugged)


class Image:
    """RGB pixels, row-major."""

    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, rgb

    def distinct_colours(self, step=97):
        return len({self.rgb[i:i + 3] for i in range(0, len(self.rgb) - 2, 3 * step)})


def read_ppm(path):
    with open(path, 'rb') as f:
        data = f.read()
    fields, i = [], 0
    while len(fields) < 4:
        while data[i:i + 1].isspace():
            i += 1
        j = i
        while not data[j:j + 1].isspace():
            j += 1
        fields.append(data[i:j])
        i = j
    if fields[0] != b'P6':
        raise RigError('screendump is not a binary PPM')
    width, height = int(fields[1]), int(fields[2])
    return Image(width, height, data[i + 1:i + 1 + width * height * 3])


def write_png(path, image):
    import struct
    import zlib
    w, h, rgb = image.width, image.height, image.rgb
    raw = b''.join(b'\x00' + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(tag, body):
        return struct.pack('>I', len(body)) + tag + body + struct.pack('>I', zlib.crc32(tag + body) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 3)) + chunk(b'IEND', b''))
