# placeholder: package tests are registered here
