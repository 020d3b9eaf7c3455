/* The dock's contact as a handheld's kernel presents it: an input device with EV_SW/SW_DOCK,
 * made through uinput under the name the layer's udev rule matches. Built on the host by the
 * device rig (static, so the guest needs no compiler) and run in the guest.
 *
 *   dock-switch NAME FIFO    create the device (docked), then for each line read from FIFO,
 *                            "0" (undock) or "1" (dock), report SW_DOCK and SYN_REPORT.
 */
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int emit(int fd, int type, int code, int value) {
    struct input_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.code = code;
    ev.value = value;
    return write(fd, &ev, sizeof ev) == sizeof ev ? 0 : -1;
}

static int report(int fd, int docked) {
    return emit(fd, EV_SW, SW_DOCK, docked) || emit(fd, EV_SYN, SYN_REPORT, 0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME FIFO\n", argv[0]);
        return 2;
    }
    int fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK);
    if (fd < 0) {
        perror("/dev/uinput");
        return 1;
    }
    struct uinput_setup setup;
    memset(&setup, 0, sizeof setup);
    setup.id.bustype = BUS_VIRTUAL;
    setup.id.vendor = 0x1d6b;
    setup.id.product = 0x0104;
    strncpy(setup.name, argv[1], UINPUT_MAX_NAME_SIZE - 1);
    if (ioctl(fd, UI_SET_EVBIT, EV_SW) || ioctl(fd, UI_SET_SWBIT, SW_DOCK) ||
        ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE)) {
        perror("uinput setup");
        return 1;
    }
    usleep(200000); /* let udev see the device before its first report */
    if (report(fd, 1)) {
        perror("report");
        return 1;
    }
    fprintf(stderr, "dock switch '%s' created, docked\n", argv[1]);
    for (;;) {
        FILE *commands = fopen(argv[2], "r"); /* blocks until a writer opens the FIFO */
        if (!commands) {
            perror(argv[2]);
            return 1;
        }
        char line[16];
        while (fgets(line, sizeof line, commands)) {
            if (line[0] == '0' || line[0] == '1') {
                if (report(fd, line[0] == '1')) {
                    perror("report");
                    return 1;
                }
                fprintf(stderr, "dock switch: %s\n", line[0] == '1' ? "docked" : "undocked");
            }
        }
        fclose(commands);
    }
}
