package iban

import (
	"fmt"
	"strings"
)

// ribLetter maps a letter of a French account number to the digit the RIB key
// uses (the historical Banque de France table: A and J are 1, B, K and S are 2,
// …, I, R and Z are 9).
func ribLetter(c byte) byte {
	switch {
	case c >= 'A' && c <= 'I':
		return '1' + (c - 'A')
	case c >= 'J' && c <= 'R':
		return '1' + (c - 'J')
	case c >= 'S' && c <= 'Z':
		return '2' + (c - 'S')
	}
	return c
}

// RIBKey returns the two-digit French RIB key (clé RIB) of a bank code (5
// digits), branch code (code guichet, 5 digits) and account number (11 letters
// or digits): 97 − ((89·bank + 15·branch + 3·account) mod 97), letters of the
// account mapped by the Banque de France table.
func RIBKey(bank, branch, account string) (string, error) {
	if err := matchStructure("5n", []byte(bank)); err != "" {
		return "", invalid(bank, nil, "French bank code: %s", err)
	}
	if err := matchStructure("5n", []byte(branch)); err != "" {
		return "", invalid(branch, nil, "French branch code: %s", err)
	}
	account = strings.ToUpper(account)
	if err := matchStructure("11c", []byte(account)); err != "" {
		return "", invalid(account, nil, "French account number: %s", err)
	}
	return fmt.Sprintf("%02d", 97-ribRemainder(bank, branch, account)), nil
}

// ribRemainder returns (89·bank + 15·branch + 3·account) mod 97, computed
// digit by digit: each factor's digit string fits nothing larger than an int.
func ribRemainder(bank, branch, account string) int {
	rem := func(s string) int {
		r := 0
		for k := 0; k < len(s); k++ {
			r = (r*10 + int(ribLetter(s[k])-'0')) % 97
		}
		return r
	}
	return (89*rem(bank) + 15*rem(branch) + 3*rem(account)) % 97
}

// ribKeyValid reports whether a 23-character French BBAN ends in its RIB key.
func ribKeyValid(bban string) bool {
	if len(bban) != 23 {
		return false
	}
	key, err := RIBKey(bban[:5], bban[5:10], bban[10:21])
	return err == nil && key == bban[21:]
}

// FrenchBBAN assembles a French BBAN (23 characters) from its bank code,
// branch code and account number, appending the RIB key.
func FrenchBBAN(bank, branch, account string) (string, error) {
	key, err := RIBKey(bank, branch, account)
	if err != nil {
		return "", err
	}
	return bank + branch + strings.ToUpper(account) + key, nil
}

// FrenchIBAN returns the FR IBAN of a French account: FromBBAN("FR",
// FrenchBBAN(bank, branch, account)).
func FrenchIBAN(bank, branch, account string) (IBAN, error) {
	bban, err := FrenchBBAN(bank, branch, account)
	if err != nil {
		return IBAN{}, err
	}
	return FromBBAN("FR", bban)
}
