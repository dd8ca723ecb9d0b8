"""Start the askclinic web server (same as `askclinic serve`; flags and ASKCLINIC_* settings
apply): the patient chat at /, the widget at /widget, the staff console at /staff."""

import sys

from askclinic.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
