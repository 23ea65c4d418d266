package xmlguard_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lendkit/lendkit/wallet/internal/xmlguard"
)

func ExampleDecoder() {
	g := xmlguard.NewDecoder(strings.NewReader(`<a><b>1</b><b>2</b></a>`), xmlguard.Limits{MaxDepth: 4})
	for {
		tok, err := g.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			panic(err)
		}
		if text, ok := tok.(xml.CharData); ok {
			fmt.Println(g.Parent(1), g.Name().Local, string(text))
		}
	}
	deep := xmlguard.NewDecoder(strings.NewReader(strings.Repeat("<a>", 10)), xmlguard.Limits{MaxDepth: 4})
	var err error
	for err == nil {
		_, err = deep.Token()
	}
	fmt.Println(errors.Is(err, xmlguard.ErrTooDeep), err)
	// Output:
	// a b 1
	// a b 2
	// true elements nested too deeply: line 1 column 16: more than 4 levels at <a>
}
