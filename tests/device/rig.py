#!/usr/bin/python3
"""The device rig: boots the terminal's software in a full Linux guest exactly as the image runs
it (the layer's unit file, udev rule and NetworkManager configuration, the countertop user, the
linuxkms backend on a DRM display, libinput touch) and drives it from outside as a shop would:
a POS on the shop's LAN, fingers on the touch screen, the dock cable, the dock contact, the
power plug. Every step leaves a screendump in the output folder and ends in checks; the last
line is "N passed, N failed".

  rig.py --image DIR --bin DIR --screens DIR --out DIR [--repo DIR] [--only STEP,...]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from screens import read_text, Screens, decode_qr, pixel_difference  # noqa: E402
from vm import Machine, RigError  # noqa: E402

SSID = 'Corner Cafe Staff'
PSK = 'espressodoppio42'  # letters and digits: typed without the symbols page
# The shop's LAN has no default route, so discovery goes to its subnet broadcast address.
POS = ('ip netns exec shop countertop-pos --credentials /var/lib/rig-pos/pos.json'
       ' --discover-to 192.168.50.255:27000')
LAN_PREFIX = '192.168.50.'
# How close a screendump must be to the headless renderer's picture of the same state: the
# same renderer and fonts draw both, so only anti-aliasing may differ.
FIRST_FRAME_MAX_DIFFERENT_PIXELS = 0.005
# Thumbnail distance (0-255 grey levels, 160x100) under which a screendump counts as a screen.
SCREEN_MATCH = 12.0
# The settings panel's part of the screen at 1280x800 (the panel slides in from the right).
PANEL_BOX = (720, 0, 1280, 800)


class Rig:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.run_dir = os.path.join(args.work, 'run')
        self.share = os.path.join(self.run_dir, 'share')
        self.passed, self.failed = [], []
        self.figures = {}
        self.shot_no = 0
        self.screens = Screens(args.screens)
        # The unturned pictures, to tell a turned display from one that is not.
        self.upright_screens = self.screens
        self.vm = Machine(args.image, self.run_dir, self.share)
        self.t0 = time.time()

    # --- reporting -----------------------------------------------------------------------------
    def log(self, message):
        print('[%6.1fs] %s' % (time.time() - self.t0, message), flush=True)

    def check(self, name, ok, detail=''):
        (self.passed if ok else self.failed).append(name)
        self.log('%s %s%s' % ('PASS' if ok else 'FAIL', name, (': ' + detail) if detail else ''))
        return ok

    def shot(self, name):
        self.shot_no += 1
        path = os.path.join(self.out, '%02d-%s.png' % (self.shot_no, name))
        self.vm.screendump(path)
        return path

    def screen_is(self, name, expected, timeout=60, interval=1.0):
        """Screendumps until the display shows `expected` (one name or several); the last one
        is kept as NN-name.png. Returns (ok, path)."""
        wanted = (expected,) if isinstance(expected, str) else tuple(expected)
        deadline = time.time() + timeout
        tmp = os.path.join(self.out, '.probe.png')
        while True:
            self.vm.screendump(tmp)
            best, distance, runner_up, next_d = self.screens.classify(tmp)
            if best in wanted and distance < SCREEN_MATCH:
                break
            if time.time() > deadline:
                break
            time.sleep(interval)
        self.shot_no += 1
        path = os.path.join(self.out, '%02d-%s.png' % (self.shot_no, name))
        os.replace(tmp, path)
        ok = best in wanted and distance < SCREEN_MATCH
        self.check('screen %s shows %s' % (os.path.basename(path), '/'.join(wanted)), ok,
                   'closest %s (%.1f), then %s (%.1f)' % (best, distance, runner_up, next_d))
        return ok, path

    # --- the guest -----------------------------------------------------------------------------
    def sh(self, script, timeout=120, check=True):
        rc, output = self.vm.agent.run(script, timeout)
        if check and rc != 0:
            raise RigError('guest command failed (%d): %s\n%s' % (rc, script, output[-3000:]))
        return output

    def sh_ok(self, script, timeout=120):
        rc, output = self.vm.agent.run(script, timeout)
        return rc == 0, output

    def wait_guest(self, description, script, timeout, interval=1.0):
        deadline = time.time() + timeout
        while True:
            ok, output = self.sh_ok(script, 60)
            if ok or time.time() > deadline:
                return ok, output
            time.sleep(interval)

    def tap(self, screen, label, index=0, pause=0.6):
        x, y = self.screens.target(screen, label, index)
        self.vm.tap(x, y)
        time.sleep(pause)

    def boot(self):
        self.vm.start()
        t_start = time.time()
        self.vm.wait_for_agent()
        self.log('boot %d: guest agent up after %.1fs' % (self.vm.boots, time.time() - t_start))
        return t_start

    # --- the scenario --------------------------------------------------------------------------
    def prepare_share(self):
        shutil.rmtree(self.run_dir, ignore_errors=True)
        os.makedirs(os.path.join(self.share, 'bin'))
        os.makedirs(self.out, exist_ok=True)
        for old in os.listdir(self.out):
            if old.endswith('.png') or old.endswith('.txt') or old.endswith('.json'):
                os.remove(os.path.join(self.out, old))
        for name in ('countertop', 'countertop-pos'):
            shutil.copy(os.path.join(self.args.bin, name), os.path.join(self.share, 'bin', name))
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run(['cc', '-static', '-O2', '-Wall', '-o', os.path.join(self.share, 'bin', 'dock-switch'),
                        os.path.join(here, 'guest', 'dock-switch.c')], check=True)
        shutil.copytree(os.path.join(here, 'guest'), os.path.join(self.share, 'guest'))
        shutil.copytree(os.path.join(self.args.repo, 'yocto', 'meta-countertop'), os.path.join(self.share, 'layer'))
        with open(os.path.join(self.share, 'countertop.toml'), 'w') as f:
            f.write(guest_config(os.path.join(self.args.repo, 'docs', 'countertop.example.toml')))

    def install(self):
        self.vm.create_disk()
        self.boot()
        self.log(self.sh('/mnt/rig/guest/install.sh %s %s' % (q(SSID), q(PSK)), 180).strip())
        self.sh('mkdir -p /var/lib/rig-pos')
        self.vm.shutdown()

    def first_frame(self):
        """1. After boot the DRM output shows the pairing screen, as the headless renderer draws
        it, and its QR is the live pairing URI."""
        t_qemu = self.boot()
        ok, path = self.screen_is('first-frame', 'pairing', timeout=180, interval=0.5)
        t_frame = time.time()
        # The guest's own clock: seconds since the kernel started, and when the unit started.
        uptime = float(self.sh('cut -d" " -f1 /proc/uptime'))
        unit_us = int(self.sh('systemctl show -p ExecMainStartTimestampMonotonic --value countertop').strip() or 0)
        frame_uptime = uptime - (time.time() - t_frame)
        self.figures['boot_to_first_frame_s'] = round(frame_uptime, 1)
        self.figures['unit_start_to_first_frame_s'] = round(frame_uptime - unit_us / 1e6, 1)
        self.figures['qemu_start_to_first_frame_s'] = round(t_frame - t_qemu, 1)
        self.log('boot to first frame %.1fs (kernel start), unit start to first frame %.1fs' % (
            frame_uptime, frame_uptime - unit_us / 1e6))
        self.check('first frame: the countertop unit runs as user countertop',
                   self.sh('ps -o user= -C countertop').split() == ['countertop'])
        # The QR, once the terminal has its LAN address.
        uri, named_lan, path = self.wait_for_qr('pairing', lambda uri: 'ip=' + LAN_PREFIX in uri, 90)
        uri = uri if named_lan else None
        self.check('first frame: the pairing QR decodes and names the LAN address', uri is not None, str(uri))
        if not uri:
            return None, path
        eth_ip = self.terminal_ip('ethernet')
        self.check('first frame: the QR carries the ethernet address', ('ip=%s&' % eth_ip) in uri, eth_ip)
        # The same state drawn by the headless renderer on the host.
        reference_dir = os.path.join(self.out, 'headless')
        rendered = subprocess.run([os.path.join(self.args.bin, 'countertop'), '--config', os.path.join(self.share, 'countertop.toml'),
                                   '--screenshot', reference_dir, '--pairing-uri', uri], check=True, capture_output=True, text=True)
        # The same binary's headless renderer timing a full-screen change: the yardstick for the
        # dock flip drawn on the DRM display (see dock()).
        change = re.search(r'headless full-screen change: ([0-9.]+) ms', rendered.stdout)
        if change:
            self.figures['host_headless_full_screen_change_ms'] = float(change.group(1))
        share, mean = pixel_difference(path, os.path.join(reference_dir, 'pairing-1280x800.png'))
        self.figures['first_frame_pixels_differing'] = round(share, 5)
        self.check('first frame: matches the headless renderer within %.1f %% of pixels' % (FIRST_FRAME_MAX_DIFFERENT_PIXELS * 100),
                   share <= FIRST_FRAME_MAX_DIFFERENT_PIXELS, '%.3f %% differ, mean difference %.2f' % (share * 100, mean))
        return uri, path

    def terminal_ip(self, kind):
        """The terminal's IPv4 address on its ethernet or wifi device, as NetworkManager has it."""
        device = self.device_of(kind)
        if not device:
            return None
        addr = self.sh('ip -4 -o addr show dev %s | awk \'{print $4}\' | cut -d/ -f1 | head -1' % device).strip()
        return addr or None

    def pair_from_screendump(self, qr_png):
        """The POS in the guest pairs from the QR in a host screendump (copied to the share).
        Returns (ok, output)."""
        guest_png = '/mnt/rig/out/' + os.path.basename(qr_png)
        shutil.copy(qr_png, os.path.join(self.share, 'out', os.path.basename(qr_png)))
        return self.sh_ok('%s pair --qr-png %s' % (POS, guest_png), 60)

    def pos_pairs_and_pays(self, qr_png):
        """2. The reference POS, on the shop's LAN, pairs from the screendump's QR, sends a cart
        and takes a tipped payment; the display shows each step."""
        ok, output = self.pair_from_screendump(qr_png)
        self.check('POS: pairs with the QR read off the display', ok and 'paired with' in output, output.strip()[-300:])
        ok, output = self.sh_ok('%s cart' % POS, 60)
        self.check('POS: cart sent', ok, output.strip()[-200:])
        self.screen_is('cart', 'cart', timeout=60)
        pid = self.vm.agent.spawn('%s pay --id rig-sale-1 --amount 4967 --tip' % POS)
        ok, _ = self.screen_is('tip', 'tip', timeout=60)
        if ok:
            self.tap('tip', self.tip_label())
        self.screen_is('card-prompt', 'card', timeout=30, interval=0.5)
        self.screen_is('processing', 'processing', timeout=30, interval=0.5)
        ok, _ = self.screen_is('approved', 'approved', timeout=60, interval=0.5)
        result = self.wait_process(pid, 120)
        self.check('POS: the payment is approved with the 15 % tip',
                   result is not None and result[0] == 0 and '"approved"' in result[1].lower() and '745' in result[1],
                   (result[1] if result else 'no answer')[-400:])

    # --- 3. touch: the staff panel -----------------------------------------------------------
    def open_panel(self):
        self.vm.swipe((1278, 400), (860, 400))
        time.sleep(1)

    def unlock_panel(self, name):
        """Opens the panel with the right PIN (it locks and closes itself after two idle
        minutes, as it should in a shop); an open, unlocked panel is left as it is."""
        unlocked = ('settings', 'settings-wifi-status', 'settings-wifi-list', 'settings-pos')
        probe = os.path.join(self.out, '.probe.png')
        self.vm.screendump(probe)
        best, distance, _, _ = self.screens.classify(probe)
        if best in unlocked and distance < SCREEN_MATCH:
            return True
        self.open_panel()
        ok, path = self.screen_is('%s-panel' % name, ('settings-locked',) + unlocked, timeout=60)
        if self.screens.classify(path)[0] == 'settings-locked':
            self.type_pin('settings-locked', '1234')
            ok, _ = self.screen_is('%s-unlocked' % name, unlocked, timeout=60)
        return ok

    def close_panel(self):
        """Closes the panel and waits until the display shows a shopper screen again (the
        display lags the taps: a step that probed at once would still see the panel)."""
        self.tap('settings', 'Close settings', pause=1.5)
        self.screen_is('panel-closed', ('idle', 'idle-waiting', 'cart', 'pairing', 'approved', 'post-payment'),
                       timeout=60)

    def type_pin(self, screen, pin):
        for digit in pin:
            self.tap(screen, digit, pause=0.3)
        self.tap(screen, 'OK', pause=0.5)

    def pin_state(self):
        return self.sh('cat /var/lib/countertop/admin-pin.json 2>/dev/null || echo "{}"', check=False)

    def touch_panel(self):
        """3. An edge swipe opens the panel; five wrong PINs lock it; the right PIN opens it;
        a Wi-Fi network is scanned, a wrong password refused and the right one joined, each
        typed on the on-screen keyboard."""
        self.open_panel()
        ok, _ = self.screen_is('panel-pin-gate', 'settings-locked', timeout=60)
        for attempt in range(1, 6):
            self.type_pin('settings-locked', '9876')
            expected = 'settings-lockout' if attempt == 5 else 'settings-wrong-pin'
            self.screen_is('pin-wrong-%d' % attempt, expected, timeout=60, interval=1.0)
        state = self.pin_state()
        self.check('touch: five wrong PINs are counted on disk (the lockout survives a restart)',
                   re.search(r'"failures"\s*:\s*5\b', state) is not None, state.strip()[:300])
        # During the lockout the keypad is dead: a right PIN now does nothing.
        self.type_pin('settings-locked', '1234')
        self.screen_is('pin-during-lockout', 'settings-lockout', timeout=10)
        lockout_end = time.time() + 32
        while time.time() < lockout_end:
            time.sleep(1)
        self.type_pin('settings-locked', '1234')
        ok, _ = self.screen_is('panel-unlocked', ('settings', 'settings-wifi-status'), timeout=60)
        self.tap('settings', 'Wi-Fi')
        self.tap('settings-wifi-list', 'Scan for networks', pause=1)
        seen, _ = self.wait_guest('scan', "nmcli -t -f SSID dev wifi list --rescan no | grep -qx %s" % q(SSID), 90, 2)
        self.check('touch: the scan started on the panel finds the shop\'s network', seen)
        time.sleep(2)
        self.shot('wifi-scanned')
        # A wrong password: refused, and no profile is left behind.
        self.tap('settings-wifi-list', 'Shop-Staff', pause=1.5)
        self.screen_is('wifi-password', 'settings-wifi-password', timeout=90)
        self.type_keyboard('settings-wifi-password', 'wrongpassword1')
        self.tap('settings-wifi-password', 'Connect', pause=1)
        ok, _ = self.screen_is('wifi-wrong-password', 'settings-wrong-password', timeout=120, interval=2)
        profiles = self.sh('nmcli -t -f NAME,TYPE con show')
        self.check('touch: a wrong Wi-Fi password leaves no profile', SSID not in profiles, profiles.strip())
        # The right one.
        self.tap('settings-wrong-password', 'Shop-Staff', pause=1.5)
        self.screen_is('wifi-password-again', 'settings-wifi-password', timeout=90)
        self.type_keyboard('settings-wifi-password', PSK)
        self.tap('settings-wifi-password', 'Connect', pause=1)
        joined, state = self.wait_guest('join', "nmcli -t -f GENERAL.STATE,GENERAL.CONNECTION dev show wlan1 | "
                                        "grep -q '^GENERAL.STATE:100' && nmcli -t -f GENERAL.CONNECTION dev show wlan1", 120, 2)
        self.check('touch: NetworkManager joined the network with the password typed on the panel',
                   joined and SSID in state, state.strip())
        # The panel follows NetworkManager: the network's row says it is connected. (The debug
        # build draws slowly under TCG, so the screen may still be catching up with the taps.)
        ok, text = self.wait_for_text('wifi-joined', lambda t: SSID in t and re.search(r'\bConnected\b', t), 120)
        self.check('touch: the panel shows %s as connected' % SSID, ok, text)

    def wait_for_text(self, name, accept, timeout, box=PANEL_BOX, interval=3):
        """Screendumps until the text read off `box` satisfies `accept`; keeps the last one as
        NN-name.png. Returns (ok, text)."""
        deadline = time.time() + timeout
        tmp = os.path.join(self.out, '.probe.png')
        while True:
            self.vm.screendump(tmp)
            text = read_text(tmp, box)
            if accept(text) or time.time() > deadline:
                break
            time.sleep(interval)
        self.shot_no += 1
        os.replace(tmp, os.path.join(self.out, '%02d-%s.png' % (self.shot_no, name)))
        return bool(accept(text)), text

    def type_keyboard(self, screen, text):
        for char in text:
            self.tap(screen, char, pause=0.25)

    # --- 8. NetworkManager restarts ----------------------------------------------------------
    def networkmanager_restart(self):
        """8. NetworkManager goes away while the panel is open: the panel says so, and recovers
        when it is back."""
        self.unlock_panel('nm-restart')
        # The network status tab is the one that says NetworkManager is gone.
        self.tap('settings', 'Network', pause=1)
        self.sh('systemctl stop NetworkManager')
        ok, _ = self.screen_is('panel-nm-stopped', 'settings-no-networkmanager', timeout=60, interval=2)
        self.sh('systemctl start NetworkManager')
        ok2, _ = self.screen_is('panel-nm-back', ('settings', 'settings-wifi-status'), timeout=120, interval=2)
        up, out = self.wait_guest('eth back', "nmcli -t -f TYPE,STATE dev | grep -q '^ethernet:connected$'", 120, 2)
        self.check('NetworkManager restart: ethernet connected again', up, out)
        self.close_panel()

    # --- 4. the cable --------------------------------------------------------------------------
    def default_route_dev(self):
        return self.sh("ip -4 route show default | sort -t' ' -k9 -n | awk '{for(i=1;i<NF;i++) if($i==\"dev\") print $(i+1)}' | head -1").strip()

    def device_of(self, kind):
        return self.sh("nmcli -t -f DEVICE,TYPE dev | awk -F: '$2==\"%s\"{print $1; exit}'" % kind).strip()

    def cable(self):
        """4. Ethernet wins while both are up; the cable out moves traffic to Wi-Fi and the POS
        finds the terminal at its new address without pairing again; the cable back, back."""
        eth, wifi = self.device_of('ethernet'), self.device_of('wifi')
        wifi_up, _ = self.wait_guest('wifi', "nmcli -t -f TYPE,STATE dev | grep -q '^wifi:connected$'", 60, 2)
        self.check('cable: ethernet and Wi-Fi both up', wifi_up)
        self.check('cable: the default route is the cable while both are up', self.default_route_dev() == eth,
                   self.sh('ip -4 route show default').strip())
        self.vm.set_cable(False)
        moved, _ = self.wait_guest('route to wifi', "ip -4 route show default | grep -q 'dev %s' && ! ip -4 route show default | grep -q 'dev %s'" % (wifi, eth), 60, 1)
        self.check('cable out: the default route moves to Wi-Fi', moved, self.sh('ip -4 route show default').strip())
        # On Wi-Fi alone the panel's network status names the network and its signal, the one
        # NetworkManager reports for the access point in use.
        self.unlock_panel('cable-out')
        self.tap('settings', 'Network', pause=1)
        ok, text = self.wait_for_text('panel-on-wifi', lambda t: ('Wi-Fi: ' + SSID) in t and re.search(r'Signal (\d+) ?%', t), 120)
        shown = re.search(r'Signal (\d+) ?%', text)
        reported = self.sh("nmcli -t -f IN-USE,SIGNAL dev wifi list --rescan no | awk -F: '$1==\"*\"{print $2; exit}'").strip()
        self.check('cable out: the panel shows the SSID and the signal NetworkManager reports',
                   ok and shown is not None and reported.isdigit() and abs(int(shown.group(1)) - int(reported)) <= 10,
                   'panel: %s; NetworkManager: %s %%' % (text, reported))
        self.close_panel()
        wifi_ip = self.terminal_ip('wifi')
        ok, output = self.sh_ok('%s cart' % POS, 90)
        self.check('cable out: the paired POS finds the terminal at its Wi-Fi address and sends a cart',
                   ok and wifi_ip is not None and wifi_ip in output, output.strip()[-300:])
        self.screen_is('cart-over-wifi', 'cart', timeout=60)
        self.vm.set_cable(True)
        back, _ = self.wait_guest('route to eth', "nmcli -t -f TYPE,STATE dev | grep -q '^ethernet:connected$'", 90, 2)
        time.sleep(2)
        self.check('cable back: the default route is the cable again', back and self.default_route_dev() == eth,
                   self.sh('ip -4 route show default').strip())
        ok, output = self.sh_ok('%s cart' % POS, 90)
        self.check('cable back: the POS still reaches the terminal', ok, output.strip()[-300:])

    # --- 5. the dock ---------------------------------------------------------------------------
    def dock(self):
        """5. The dock contact (the layer's udev rule names it): undocked hides the store's data
        and refuses payments; docked brings the cart back."""
        link = self.sh('readlink -f /dev/input/countertop-dock; stat -c "%G %a" $(readlink -f /dev/input/countertop-dock)', check=False)
        self.check('dock: the udev rule made /dev/input/countertop-dock (group input, 0660)',
                   '/dev/input/event' in link and 'input 660' in link, link.strip())
        self.sh('%s cart' % POS, 90)
        self.screen_is('docked-cart', 'cart', timeout=60)
        t_flip = time.time()
        self.sh('echo 0 > /run/dock-switch.fifo')
        ok, _ = self.screen_is('undocked', 'undocked', timeout=60, interval=0.05)
        if ok:
            # Dock contact to the new frame on the display, a full-screen change drawn by the
            # linuxkms path. An upper bound: it includes the guest agent's round trip and the
            # screendump polling.
            device_ms = (time.time() - t_flip) * 1000
            self.figures['device_full_screen_change_ms'] = round(device_ms)
            host_ms = self.figures.get('host_headless_full_screen_change_ms')
            if host_ms:
                self.figures['linuxkms_to_headless_change_ratio'] = round(device_ms / host_ms, 1)
            self.log('full-screen change: %.0f ms on the device (linuxkms, TCG), %s ms headless on the host' % (device_ms, host_ms))
        ok, output = self.sh_ok('timeout 60 %s pay --id rig-undocked --amount 4967' % POS, 90)
        self.check('dock: a payment while undocked is refused', not ok and 'approved' not in output.lower(),
                   output.strip()[-300:])
        ledger = self.sh('cat /var/lib/countertop/gateway-ledger.jsonl 2>/dev/null', check=False)
        self.check('dock: nothing reached the gateway while undocked', 'rig-undocked' not in ledger)
        self.sh('echo 1 > /run/dock-switch.fifo')
        self.screen_is('redocked-cart', 'cart', timeout=60)

    # --- 7. the sandbox ------------------------------------------------------------------------
    def sandbox(self):
        """7. The kiosk runs as its user under the unit's hardening and can write nowhere but
        its state directory."""
        pid = self.sh('systemctl show -p MainPID --value countertop').strip()
        status = self.sh('grep -E "^(Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/%s/status' % pid)
        uid = self.sh('id -u countertop').strip()
        fields = dict(line.split(':', 1) for line in status.strip().splitlines())
        self.check('sandbox: runs as countertop, no capabilities, no new privileges, seccomp on',
                   fields['Uid'].split()[0] == uid and int(fields['CapEff'], 16) == 0 and int(fields['CapBnd'], 16) == 0
                   and fields['NoNewPrivs'].strip() == '1' and fields['Seccomp'].strip() == '2', status.strip())
        gid = self.sh('id -g countertop').strip()
        enter = 'nsenter -t %s -m -S %s -G %s --' % (pid, uid, gid)
        for path in ('/etc/countertop/x', '/etc/x', '/usr/bin/x', '/var/lib/x', '/root/x', '/home/x', '/dev/shm/x'):
            ok, output = self.sh_ok("%s sh -c 'echo x > %s'" % (enter, path), 30)
            self.check('sandbox: cannot write %s' % path, not ok, output.strip())
        # PrivateTmp: /tmp and /var/tmp are the service's own throw-away directories, never
        # the system's.
        for tmp in ('/tmp', '/var/tmp'):
            ok, output = self.sh_ok("%s sh -c 'echo x > %s/.rig-probe' && ! test -e %s/.rig-probe" % (enter, tmp, tmp), 30)
            self.check('sandbox: %s is private to the service' % tmp, ok, output.strip())
        ok, output = self.sh_ok("%s sh -c 'echo x > /var/lib/countertop/.rig-probe && rm /var/lib/countertop/.rig-probe'" % enter, 30)
        self.check('sandbox: can write its state directory', ok, output.strip())
        report = self.sh('systemd-analyze security --no-pager countertop.service 2>&1 | tail -1', check=False)
        self.figures['systemd_analyze_security'] = report.strip()
        self.log('systemd-analyze security: %s' % report.strip())

    # --- 6. power cut --------------------------------------------------------------------------
    def power_cut(self):
        """6. The plug is pulled while a payment is authorizing; after the next boot the POS's
        status query tells the truth and the gateway shows one charge, never two."""
        self.sh('%s cart' % POS, 90)
        pid = self.vm.agent.spawn('%s pay --id rig-cut --amount 4967' % POS)
        charged, _ = self.wait_guest('authorizing', 'grep -q rig-cut /var/lib/countertop/gateway-ledger.jsonl', 120, 0.5)
        self.check('power cut: the payment reached the gateway', charged)
        self.shot('authorizing-before-power-cut')
        self.vm.power_cut()
        self.log('power cut while authorizing')
        self.boot()
        self.screen_is('after-power-cut', ('idle', 'idle-waiting', 'cart', 'approved', 'post-payment'), timeout=180)
        ok, status = self.sh_ok('%s status --id rig-cut' % POS, 120)
        self.check('power cut: the POS\'s status query says approved', ok and 'approved' in status.lower(), status.strip()[-400:])
        ok, again = self.sh_ok('timeout 120 %s pay --id rig-cut --amount 4967' % POS, 150)
        lines = self.sh('grep rig-cut /var/lib/countertop/gateway-ledger.jsonl || true', check=False).strip().splitlines()
        self.check('power cut: a repeated request with the same id charges nothing more (one approved answer in the ledger)',
                   ok and len(lines) == 1 and 'approved' in lines[0].lower(),
                   'ledger lines for rig-cut: %s; repeat answered: %s' % (lines, again.strip()[-200:]))

    # --- 10. rotation ---------------------------------------------------------------------------
    def rotation(self):
        """10. The panel mounted each way: 90 from the configuration, then 180, 270 and back to 0
        chosen on the staff panel with touches at the turned positions of its controls. Each
        time the display restarts, the screendump shows the layout for the turned window turned
        into the panel, and the edge swipe, the PIN keypad and the Terminal tab answer touches
        where they are drawn."""
        # The step before (reset) leaves the terminal unpaired, its new QR shown in the open
        # panel. A restart closes the panel; the POS then pairs again from the pairing screen
        # (which follows a moment of idle after the start), so the panel opens over the idle
        # screen, the background of the headless pictures it is told by.
        self.sh('systemctl restart countertop')
        uri, _, qr_png = self.wait_for_qr('rotation-pairing-qr', lambda uri: True, 120)
        if uri is not None:
            ok, output = self.pair_from_screendump(qr_png)
            self.check('rotation: the POS pairs again from the QR on the display', ok and 'paired with' in output,
                       output.strip()[-300:])
        self.screen_is('rotation-paired', ('idle', 'idle-waiting'), timeout=60)
        self.sh("sed -i -E 's/^rotation = [0-9]+/rotation = 90/' /etc/countertop/countertop.toml"
                " && grep -q '^rotation = 90' /etc/countertop/countertop.toml && systemctl restart countertop")
        self.log('rotation: 90 set in the configuration, unit restarted')
        for rotation, following in ((90, 180), (180, 270), (270, 0), (0, None)):
            self.turned_screen_shows(rotation)
            # The window's right edge is somewhere else on the panel: swipe in from it.
            ww, wh = self.screens.size
            self.vm.swipe(self.screens.on_panel(ww - 2, wh / 2), self.screens.on_panel(ww - 420, wh / 2))
            ok, path = self.screen_is('rotation-%d-panel' % rotation, 'settings-locked', timeout=60)
            self.check('rotation %d: the edge swipe at the turned position opens the panel' % rotation, ok)
            if not ok or following is None:
                break
            self.type_pin('settings-locked', '1234')
            ok, _ = self.screen_is('rotation-%d-unlocked' % rotation, ('settings', 'settings-wifi-status'), timeout=60)
            self.check('rotation %d: the PIN typed at the turned keypad unlocks the panel' % rotation, ok)
            self.tap('settings', 'Terminal', pause=1)
            ok, _ = self.screen_is('rotation-%d-terminal-tab' % rotation, 'settings-pin', timeout=60)
            self.check('rotation %d: the Terminal tab answers its turned position' % rotation, ok)
            self.tap('settings-pin', '%d°' % following, pause=1)
            saved, state = self.wait_guest('rotation saved', "grep -q '\"rotation\": %d' /var/lib/countertop/display.json && "
                                           "cat /var/lib/countertop/display.json" % following, 60, 1)
            self.check('rotation %d: choosing %d° on the panel saves it with the display settings' % (rotation, following),
                       saved, state.strip()[-200:])
        # Back upright: the close button, where it is drawn unturned, closes the panel.
        self.tap('settings-locked', 'Close settings', pause=1.5)
        self.screen_is('rotation-done', ('idle', 'idle-waiting', 'cart', 'pairing'), timeout=60)

    def turned_screen_shows(self, rotation):
        """After the display's restart for `rotation`: the process runs with it and the
        screendump is the layout for the turned window, turned (nearer to that than to the
        unturned pictures)."""
        self.screens = Screens(self.args.screens, rotation=rotation)
        shopper = ('idle', 'idle-waiting', 'cart', 'pairing')
        ok, path = self.screen_is('rotation-%d' % rotation, shopper, timeout=180, interval=2)
        best, distance, _, _ = self.screens.classify(path)
        if rotation != 0:
            upright, upright_d, _, _ = self.upright_screens.classify(path)
            ok = ok and distance < upright_d
            detail = '%s at %.1f turned, %s at %.1f upright' % (best, distance, upright, upright_d)
        else:
            detail = '%s at %.1f' % (best, distance)
        self.check('rotation %d: the display shows the turned layout' % rotation, ok, detail)
        pid = self.sh('systemctl show -p MainPID --value countertop').strip()
        env = self.sh("tr '\\0' '\\n' < /proc/%s/environ | grep '^SLINT_KMS_ROTATION=' || true" % pid, check=False).strip()
        expected = 'SLINT_KMS_ROTATION=%d' % rotation
        # Upright needs no variable: unset is 0 to Slint, so the kiosk does not restart for it.
        ok = env == expected or (rotation == 0 and env == '')
        self.check('rotation %d: the kiosk runs with %s' % (rotation, expected), ok, env or '(unset)')

    # --- reset: a new QR that follows the address --------------------------------------------
    def wait_for_qr(self, name, accept, timeout, interval=2):
        """Screendumps until a QR on the display decodes to a payload `accept`s. Returns (the
        last payload read or None, whether it was accepted, the last screendump)."""
        deadline = time.time() + timeout
        while True:
            path = self.shot(name)
            codes = decode_qr(path)
            uri = codes[0] if codes else None
            if (uri and accept(uri)) or time.time() > deadline:
                return uri, bool(uri and accept(uri)), path
            time.sleep(interval)

    def qr_names(self, kind):
        """A QR check: the payload's address list starts with the terminal's current address on
        `kind` (the QR lists every address, the preferred connection first)."""
        def accept(uri):
            ip = self.terminal_ip(kind)
            listed = re.search(r'[?&]ip=([^&]*)', uri)
            return ip is not None and listed is not None and listed.group(1).split(',')[0] == ip
        return accept

    def reset_follows_address(self):
        """"Reset connection to POS" revokes the pairing and shows a new QR; the QR follows the
        terminal's address when the cable is pulled and plugged back."""
        self.unlock_panel('reset')
        self.tap('settings', 'POS', pause=1)
        self.tap('settings-pos', 'Reset connection to POS', pause=1)
        self.tap('settings-pos-confirm', 'Reset', pause=2)
        uri, _, _ = self.wait_for_qr('reset-new-qr', lambda uri: True, 60)
        eth_ip = self.terminal_ip('ethernet')
        self.check('reset: the panel shows a new pairing QR with the ethernet address first',
                   uri is not None and self.qr_names('ethernet')(uri), '%s (ethernet %s)' % (uri, eth_ip))
        ok, output = self.sh_ok('timeout 60 %s cart' % POS, 90)
        self.check('reset: the old pairing is refused', not ok, output.strip()[-200:])
        # Wi-Fi must be up before the cable goes: after the power cut NetworkManager may have
        # given up auto-joining (a handshake that timed out under emulation blocks the profile's
        # autoconnect), and staff would then tap the network once; the rig asks directly.
        wifi_up = "nmcli -t -f TYPE,STATE dev | grep -q '^wifi:connected$'"
        ok, _ = self.wait_guest('wifi', wifi_up, 30, 2)
        if not ok:
            self.sh_ok('nmcli --wait 90 con up id %s' % q(SSID), 120)
            ok, _ = self.wait_guest('wifi', wifi_up, 60, 2)
        self.check('reset: Wi-Fi connected before the cable is pulled', ok)
        self.vm.set_cable(False)
        self.wait_guest('route to wifi', "! ip -4 route show default | grep -q 'dev %s'" % self.device_of('ethernet'), 60, 1)
        uri, ok, _ = self.wait_for_qr('reset-qr-cable-out', self.qr_names('wifi'), 60, 3)
        self.check('reset: with the cable out the QR carries the Wi-Fi address', ok,
                   '%s (Wi-Fi %s)' % (uri, self.terminal_ip('wifi')))
        self.vm.set_cable(True)
        uri, ok, _ = self.wait_for_qr('reset-qr-cable-back', self.qr_names('ethernet'), 90, 3)
        self.check('reset: with the cable back the QR carries the ethernet address again', ok,
                   '%s (ethernet %s)' % (uri, self.terminal_ip('ethernet')))

    def tip_label(self):
        labels = [t['label'] for t in self.screens.targets['tip-1280x800']]
        for label in labels:
            if label.startswith('15'):
                return label
        raise KeyError('no 15 %% tip button among %s' % labels)

    def wait_process(self, pid, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = self.vm.agent.status(pid)
            if done is not None:
                return done
            time.sleep(0.5)
        return None

    def write_figures(self):
        with open(os.path.join(self.out, 'figures.json'), 'w') as f:
            json.dump(self.figures, f, indent=1)

    def collect_logs(self):
        try:
            self.sh('mkdir -p /mnt/rig/out; journalctl -b --no-pager -u countertop > /mnt/rig/out/countertop-journal.txt;'
                    ' journalctl -b --no-pager -u NetworkManager > /mnt/rig/out/nm-journal.txt; true', 60, check=False)
            for name in os.listdir(os.path.join(self.share, 'out')):
                if name.endswith('.txt'):
                    shutil.copy(os.path.join(self.share, 'out', name), os.path.join(self.out, name))
        except Exception as e:  # the logs are a help, not a check
            self.log('could not collect logs: %s' % e)

    def run(self):
        self.prepare_share()
        os.makedirs(os.path.join(self.share, 'out'), exist_ok=True)
        try:
            self.install()
            uri, qr_png = self.first_frame()
            steps = [('sale', lambda: self.pos_pairs_and_pays(qr_png)), ('touch', self.touch_panel),
                     ('networkmanager', self.networkmanager_restart), ('cable', self.cable),
                     ('dock', self.dock), ('sandbox', self.sandbox), ('power-cut', self.power_cut),
                     ('reset', self.reset_follows_address), ('rotation', self.rotation)]
            only = set(self.args.only.split(',')) if self.args.only else None
            if uri:
                for name, step in steps:
                    if only is None or name in only:
                        step()
        except Exception:
            self.check('the rig ran to the end', False, traceback.format_exc())
        finally:
            self.collect_logs()
            self.vm.shutdown()
        self.write_figures()
        print('device rig figures: %s' % json.dumps(self.figures))
        print('device rig: %d passed, %d failed' % (len(self.passed), len(self.failed)))
        for name in self.failed:
            print('  failed: %s' % name)
        print('%d passed, %d failed' % (len(self.passed), len(self.failed)))
        return 0 if not self.failed else 1


def q(text):
    return "'" + text.replace("'", "'\\''") + "'"


def guest_config(example_path):
    """The documented example configuration with the simulator set up for the rig: a gateway
    ledger on the state disk (so a power cut cannot hide a charge) and a slow gateway (so the
    plug can be pulled mid-authorization)."""
    text = open(example_path).read()
    simulator = ('cards = ["approve", "approve", "approve", "approve"]\n'
                 'card_delay_ms = 3000\n'
                 'gateway_latency_ms = 8000\n'
                 'gateway_ledger = "/var/lib/countertop/gateway-ledger.jsonl"\n')
    if not re.search(r'^\[simulator\]', text, re.M):
        raise RigError('%s has no [simulator] section' % example_path)
    return re.sub(r'^(\[simulator\][^\n]*\n)', lambda m: m.group(1) + simulator, text, count=1, flags=re.M)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--image', required=True, help='guest image folder (build-image.sh)')
    ap.add_argument('--bin', required=True, help='folder with countertop and countertop-pos')
    ap.add_argument('--screens', required=True, help='headless screenshots (target/screenshots/en)')
    ap.add_argument('--work', required=True, help='scratch folder (disk overlay, share)')
    ap.add_argument('--out', required=True, help='screendumps, figures and logs')
    ap.add_argument('--only', help='run only these steps after the first frame (comma-separated: '
                    'sale, touch, networkmanager, cable, dock, sandbox, power-cut, reset, rotation)')
    ap.add_argument('--repo', default=os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))
    sys.exit(Rig(ap.parse_args()).run())


if __name__ == '__main__':
    main()
